package dev.vae4j.eval;

import dev.vae4j.core.io.ImageTensors;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import org.bytedeco.pytorch.Tensor;

/**
 * Keeps the {@code capacity} reconstructions with the lowest PSNR seen so far as 8-bit images (never tensors, so no
 * native memory outlives a batch) and writes them as one PNG grid: a row per image, worst first, original on the left,
 * reconstruction on the right, with its name and PSNR.
 */
public final class WorstReconstructions {
    /** One kept pair. */
    private record Entry(String name, double psnr, BufferedImage original, BufferedImage reconstruction) {}

    private final int capacity;
    private final PriorityQueue<Entry> kept =
            new PriorityQueue<>(Comparator.comparingDouble(Entry::psnr).reversed());

    /** Keeps at most {@code capacity} (>= 1) pairs. */
    public WorstReconstructions(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("number of worst reconstructions must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Whether an image with this PSNR would be kept. */
    public boolean wouldKeep(double psnr) {
        return kept.size() < capacity || psnr < kept.peek().psnr();
    }

    /** Offers image {@code index} of the batches (N, C, H, W) in [-1, 1]. */
    public void offer(String name, double psnr, Tensor originals, Tensor reconstructions, int index) {
        if (!wouldKeep(psnr)) {
            return;
        }
        kept.add(new Entry(
                name,
                psnr,
                ImageTensors.toImage(originals.get(index).cpu()),
                ImageTensors.toImage(reconstructions.get(index).cpu())));
        if (kept.size() > capacity) {
            kept.poll();
        }
    }

    /** Names of the kept images, worst first. */
    public List<String> names() {
        return sorted().stream().map(Entry::name).toList();
    }

    /** Writes the grid PNG; nothing is written when no image was offered. */
    public void writePng(Path file) {
        List<Entry> rows = sorted();
        if (rows.isEmpty()) {
            return;
        }
        int label = 16;
        int w = rows.get(0).original().getWidth();
        int h = rows.get(0).original().getHeight();
        BufferedImage grid = new BufferedImage(2 * w, rows.size() * (h + label), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            for (int i = 0; i < rows.size(); i++) {
                Entry e = rows.get(i);
                int y = i * (h + label);
                g.setColor(Color.WHITE);
                g.drawString(String.format(Locale.ROOT, "%s  %.2f dB", e.name(), e.psnr()), 2, y + label - 4);
                g.drawImage(e.original(), 0, y + label, null);
                g.drawImage(e.reconstruction(), w, y + label, null);
            }
        } finally {
            g.dispose();
        }
        ImageTensors.writePng(grid, file);
    }

    private List<Entry> sorted() {
        List<Entry> rows = new ArrayList<>(kept);
        rows.sort(Comparator.comparingDouble(Entry::psnr));
        return rows;
    }
}
