package dev.vae4j.train.cache;

import dev.vae4j.core.io.ImageReadException;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.train.data.AspectBuckets;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageSource;
import dev.vae4j.train.data.ResizeCrop;
import java.awt.image.BufferedImage;

/**
 * One input sample decoded and cropped for caching (Java heap only, made on a decoding thread), or the reason it could
 * not be read.
 *
 * @param index the sample's index in the source
 * @param sourceWidth decoded width, px
 * @param sourceHeight decoded height, px
 * @param placement the resize and crop applied
 * @param pixels the crop, CHW in [-1, 1]
 * @param flipped the crop mirrored horizontally, or null
 * @param error why the sample was skipped, or null
 */
record PreparedImage(
        int index,
        int sourceWidth,
        int sourceHeight,
        ResizeCrop.Placement placement,
        ImageArray pixels,
        ImageArray flipped,
        String error) {

    /** Decodes sample {@code index} and centre-crops it to its target shape; a read failure becomes an error. */
    static PreparedImage prepare(ImageSource source, int index, LatentCacheOptions options, int channels) {
        BufferedImage image;
        try {
            image = source.read(index);
        } catch (ImageReadException e) {
            return new PreparedImage(index, 0, 0, null, null, null, e.getMessage());
        }
        int width = options.resolution();
        int height = options.resolution();
        if (options.buckets() != null) {
            AspectBuckets.Bucket bucket = options.buckets().nearest(image.getWidth(), image.getHeight());
            width = bucket.width();
            height = bucket.height();
        }
        ResizeCrop.Result crop = ResizeCrop.apply(image, width, height, 1.0, null);
        ImageArray pixels = new ImageArray(channels, height, width, ImageTensors.pixels(crop.image(), channels));
        ImageArray flipped = options.flip()
                ? new ImageArray(
                        channels, height, width, ImageTensors.pixels(Augmentation.mirror(crop.image()), channels))
                : null;
        return new PreparedImage(index, image.getWidth(), image.getHeight(), crop.placement(), pixels, flipped, null);
    }

    /** The shape key {@code WxH} of the crop. */
    String shape() {
        return placement.width() + "x" + placement.height();
    }
}
