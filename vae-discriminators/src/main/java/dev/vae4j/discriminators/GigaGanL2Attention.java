package dev.vae4j.discriminators;

import dev.vae4j.core.nn.Linear;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * open-LiteVAE's {@code L2CrossAttention} used as self-attention: queries and keys tied, {@code sim_ij = -|q_i - q_j|^2
 * / sqrt(d_head)}, softmax over j, times V, then {@code to_out}. Keys {@code to_q}, {@code to_v}, {@code to_out.0}
 * (Linear with bias). Input (N, T, dim) tokens -> (N, T, dim).
 */
final class GigaGanL2Attention extends Module {
    private final Linear toQ;
    private final Linear toV;
    private final Linear toOut;
    private final dev.vae4j.core.nn.IndexedModules<Linear> toOutList;
    private final int heads;
    private final long headDim;

    /** Attention over {@code dim = heads * headDim} channels. */
    public GigaGanL2Attention(long dim, int heads, long headDim) {
        long inner = heads * headDim;
        this.toQ = register_module("to_q", new Linear(dim, inner));
        this.toV = register_module("to_v", new Linear(dim, inner));
        dev.vae4j.core.nn.IndexedModules<Linear> out =
                register_module("to_out", new dev.vae4j.core.nn.IndexedModules<>());
        this.toOut = out.add(new Linear(inner, dim));
        this.toOutList = out;
        this.heads = heads;
        this.headDim = headDim;
    }

    /** (N, T, dim) -> (N, T, dim). */
    public Tensor forward(Tensor x) {
        long n = x.size(0);
        long t = x.size(1);
        Tensor q = splitHeads(toQ.forward(x), n, t);
        Tensor v = splitHeads(toV.forward(x), n, t);
        Tensor ab = q.matmul(q.transpose(-1, -2));
        Tensor aa = q.pow(new Scalar(2.0)).sum(new long[] {-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
        Tensor sim =
                aa.sub(ab.mul(new Scalar(2.0))).add(aa.transpose(-1, -2)).mul(new Scalar(-1.0 / Math.sqrt(headDim)));
        Tensor out = sim.softmax(-1).matmul(v);
        out = out.reshape(n, heads, t, headDim).permute(0, 2, 1, 3).reshape(n, t, heads * headDim);
        return toOut.forward(out);
    }

    private Tensor splitHeads(Tensor x, long n, long t) {
        return x.reshape(n, t, heads, headDim).permute(0, 2, 1, 3).reshape(n * heads, t, headDim);
    }
}
