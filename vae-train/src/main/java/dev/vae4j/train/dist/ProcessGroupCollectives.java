package dev.vae4j.train.dist;

import static org.bytedeco.pytorch.global.torch.empty;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Collectives} on libtorch's c10d engine: rank 0 hosts a {@code TCPStore} at MASTER_ADDR:MASTER_PORT that every
 * rank joins, and a {@code ProcessGroupGloo} (CPU tensors) or {@code ProcessGroupNCCL} (CUDA tensors) runs the
 * collectives. Gloo binds to the interface named by {@code GLOO_SOCKET_IFNAME}, to the loopback interface when the
 * master is local, else to the interface of this host's name (as PyTorch does). Collective timeouts come from the
 * context; a failure is rethrown as a {@link DistributedException} naming the operation and the rank.
 */
public final class ProcessGroupCollectives implements Collectives {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessGroupCollectives.class);
    private static final long RENDEZVOUS_MARGIN_MILLIS = 5_000;

    private final DistributedContext context;
    private final TCPStore store;
    private final Backend group;

    private ProcessGroupCollectives(DistributedContext context, TCPStore store, Backend group) {
        this.context = context;
        this.store = store;
        this.group = group;
    }

    /**
     * Joins the job described by {@code context}: blocks until every rank has joined or the timeout passes.
     *
     * @throws DistributedException when the store or a peer cannot be reached in time
     */
    public static ProcessGroupCollectives connect(DistributedContext context) {
        long millis = context.timeout().toMillis();
        TCPStore store = joinStore(context);
        store.retainReference();
        Backend group = run(
                context,
                "creating the " + context.backend() + " process group",
                () -> context.backend() == DistributedContext.Backend.NCCL
                        ? nccl(context, store, millis)
                        : gloo(context, store, millis));
        group.retainReference();
        LOG.info(
                "{} joined {} process group via {}:{}",
                context.describe(),
                context.backend(),
                context.masterAddr(),
                context.masterPort());
        return new ProcessGroupCollectives(context, store, group);
    }

    /**
     * Rank 0 opens the store at MASTER_ADDR:MASTER_PORT, the other ranks connect to it, under a watchdog: libtorch's
     * store client waits without a deadline for the answer of whatever listens there, so a port held by something that
     * is not rank 0's store would otherwise hang the rank forever. When the store's own timeout (which covers a master
     * that is not up yet) plus a margin passes, the blocked native call is abandoned on a daemon thread and a
     * {@link DistributedException} naming the address is thrown.
     */
    private static TCPStore joinStore(DistributedContext context) {
        String address = context.masterAddr() + ":" + context.masterPort();
        TCPStoreOptions options = new TCPStoreOptions();
        options.port((short) context.masterPort());
        options.isServer(context.rank() == 0);
        options.waitWorkers(false);
        options.timeout(new Milliseconds(context.timeout().toMillis()));
        FutureTask<TCPStore> join = new FutureTask<>(() ->
                run(context, "joining the store at " + address, () -> new TCPStore(context.masterAddr(), options)));
        Thread thread = new Thread(join, "vae4j-rendezvous");
        thread.setDaemon(true);
        thread.start();
        try {
            return join.get(context.timeout().toMillis() + RENDEZVOUS_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            join.cancel(true);
            throw new DistributedException(
                    context.describe() + ": could not join the rendezvous at " + address
                            + " within " + context.timeout().toSeconds()
                            + " s (--dist-timeout): nothing answered as rank 0's"
                            + " store there; check MASTER_ADDR/MASTER_PORT and that rank 0 is running",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedException(context.describe() + ": interrupted while joining " + address, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new DistributedException(
                    context.describe() + ": cannot join " + address + ": " + e.getCause(), e.getCause());
        }
    }

    private static Backend gloo(DistributedContext context, TCPStore store, long millis) {
        ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(new Milliseconds(millis));
        String iface = System.getenv("GLOO_SOCKET_IFNAME");
        options.devices(new GlooDeviceVector(
                iface != null && !iface.isBlank()
                        ? ProcessGroupGloo.createDeviceForInterface(iface)
                        : loopback(context.masterAddr())
                                ? ProcessGroupGloo.createDeviceForHostname("127.0.0.1")
                                : ProcessGroupGloo.createDefaultDevice()));
        return new ProcessGroupGloo(store, context.rank(), context.worldSize(), options);
    }

    private static Backend nccl(DistributedContext context, TCPStore store, long millis) {
        ProcessGroupNCCL.Options options = ProcessGroupNCCL.Options.create(false);
        options.timeout(new Milliseconds(millis));
        return new ProcessGroupNCCL(store, context.rank(), context.worldSize(), options);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("MASTER_ADDR '" + host + "' does not resolve", e);
        }
    }

    @Override
    public DistributedContext context() {
        return context;
    }

    @Override
    public void allReduceSum(List<Tensor> tensors) {
        List<Work> pending = new ArrayList<>(tensors.size());
        for (Tensor tensor : tensors) {
            pending.add(run(context, "all-reduce", () -> group.allreduce(new TensorVector(tensor))));
        }
        waitAll(pending, "all-reduce of " + tensors.size() + " buckets");
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        List<Work> pending = new ArrayList<>(tensors.size());
        for (Tensor tensor : tensors) {
            pending.add(run(
                    context,
                    "broadcast",
                    () -> group.broadcast(new TensorVector(tensor), new BroadcastOptions().rootRank(root))));
        }
        waitAll(pending, "broadcast of " + tensors.size() + " tensors from rank " + root);
    }

    @Override
    public Tensor allGather(Tensor tensor) {
        long[] shape = tensor.sizes().vec().get();
        shape[0] *= context.worldSize();
        Tensor gathered = empty(shape, tensor.options(), new MemoryFormatOptional());
        Tensor input = tensor.contiguous();
        Work work = run(context, "all-gather", () -> group._allgather_base(gathered, input));
        waitAll(List.of(work), "all-gather");
        return gathered;
    }

    @Override
    public void barrier() {
        Work work = run(context, "barrier", () -> group.barrier());
        waitAll(List.of(work), "barrier");
    }

    @Override
    public void close() {
        group.releaseReference();
        store.releaseReference();
    }

    private void waitAll(List<Work> pending, String what) {
        for (Work work : pending) {
            run(context, what, work::_wait);
        }
    }

    private static <T> T run(DistributedContext context, String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw new DistributedException(
                    context.describe() + ": " + what + " failed (" + context.backend()
                            + ", timeout " + context.timeout().toSeconds() + " s; a peer may have died or hung): "
                            + firstLine(e.getMessage()),
                    e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
