package dev.vae4j.train.data;

import dev.vae4j.core.io.ImageTensors;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * {@link SyntheticImages} as an {@link ImageSource}, so a latent cache can be written from the built-in data: sample i
 * is image i at the generator's size, keyed {@code synthetic-NNNNNN}, with its class label as WebDataset's {@code .cls}
 * text and no caption or JSON.
 */
final class SyntheticImageSource implements ImageSource {
    private final SyntheticImages images;

    SyntheticImageSource(SyntheticImages images) {
        this.images = images;
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public String key(int index) {
        return String.format(Locale.ROOT, "synthetic-%06d", index);
    }

    @Override
    public BufferedImage read(int index) {
        return images.render(index);
    }

    @Override
    public ImageTensors.Size dimensions(int index) {
        return new ImageTensors.Size(images.imageSize(), images.imageSize());
    }

    @Override
    public String caption(int index) {
        return null;
    }

    @Override
    public String json(int index) {
        return null;
    }

    @Override
    public String cls(int index) {
        return Integer.toString(images.label(index));
    }

    @Override
    public String describe(int index) {
        return images.describe(index);
    }

    @Override
    public String identity(int index) {
        return images.describe(index) + " " + images.imageSize() + " px";
    }
}
