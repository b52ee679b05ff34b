package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.gelu;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Linear;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * open-LiteVAE's {@code BasicTransformerBlock} with self-attention disabled (only {@code attn2}, which is L2
 * self-attention when there is no context): {@code x += attn2(ca_norm(x)); x += ff(ff_norm(x))}, where {@code ff =
 * Linear(4d -> d)(GEGLU(d -> 4d))} and GEGLU is {@code a * gelu(b)} of a Linear(d -> 8d) split in two. Keys
 * {@code attn2.*}, {@code ff.net.0.proj}, {@code ff.net.2}, {@code ff_norm}, {@code ca_norm}. Input (N, T, d) -> (N, T,
 * d).
 */
final class GigaGanTransformerBlock extends Module {
    private final GigaGanL2Attention attn2;
    private final Linear geglu;
    private final Linear ffOut;
    private final LayerNormImpl ffNorm;
    private final LayerNormImpl caNorm;
    private final long dim;
    /** Parameterless containers (ff, ff.net, ff.net.0, ff.net.1) kept reachable from Java. */
    private final java.util.List<Module> containers;

    /** A block over {@code dim = heads * headDim} channels. */
    public GigaGanTransformerBlock(long dim, int heads, long headDim) {
        this.dim = dim;
        Module ff = register_module("ff", new Module());
        IndexedModules<Module> net = ff.register_module("net", new IndexedModules<>());
        Module proj = net.add(new Module());
        this.geglu = proj.register_module("proj", new Linear(dim, 8 * dim));
        net.add(new Module()); // net.1: Identity (dropout 0), no parameters
        Module identity = net.get(1);
        this.ffOut = (Linear) net.add(new Linear(4 * dim, dim));
        this.containers = java.util.List.of(ff, net, proj, identity);
        this.attn2 = register_module("attn2", new GigaGanL2Attention(dim, heads, headDim));
        this.ffNorm = register_module("ff_norm", layerNorm(dim));
        this.caNorm = register_module("ca_norm", layerNorm(dim));
    }

    private static LayerNormImpl layerNorm(long dim) {
        LayerNormOptions options = new LayerNormOptions(new org.bytedeco.pytorch.LongVector(new long[] {dim}));
        options.eps().put(1e-5);
        return new LayerNormImpl(options);
    }

    /** (N, T, d) -> (N, T, d). */
    public Tensor forward(Tensor x) {
        Tensor h = attn2.forward(caNorm.forward(x)).add(x);
        TensorVector parts = geglu.forward(ffNorm.forward(h)).chunk(2, -1);
        return ffOut.forward(parts.get(0).mul(gelu(parts.get(1)))).add(h);
    }

    /** MACs for {@code tokens} tokens. */
    long macs(long tokens) {
        long attention = 3 * tokens * dim * dim + 2 * tokens * tokens * dim;
        return attention + tokens * dim * 8 * dim + tokens * 4 * dim * dim;
    }
}
