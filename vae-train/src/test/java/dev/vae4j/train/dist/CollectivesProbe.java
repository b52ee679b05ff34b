package dev.vae4j.train.dist;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.full;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A worker for {@link ProcessGroupCollectivesTest}: joins the job from the environment and runs each collective,
 * printing one {@code RESULT} line per operation. With argument {@code hang}, rank 1 joins and then never calls a
 * collective; rank 0's all-reduce must then fail within the timeout (argument 2, seconds). With {@code buffers}, each
 * rank fills a BatchNorm's running statistics with its rank and prints them after
 * {@link DataParallel#synchronizeBuffers} without and with {@code broadcastBuffers}.
 */
public final class CollectivesProbe {
    private CollectivesProbe() {}

    public static void main(String[] args) throws InterruptedException {
        boolean hang = args[0].equals("hang");
        Duration timeout = Duration.ofSeconds(Long.parseLong(args[1]));
        DistributedContext context = DistributedContext.fromEnvironment(System.getenv(), "cpu", null, timeout);
        try (Collectives c = ProcessGroupCollectives.connect(context)) {
            int rank = context.rank();
            if (hang && rank == 1) {
                Thread.sleep(Long.MAX_VALUE);
            }
            if (args[0].equals("buffers")) {
                BatchNorm2dImpl norm = new BatchNorm2dImpl(new BatchNormOptions(2));
                norm.running_mean().fill_(new Scalar(rank + 1.0));
                new DataParallel(c, DataParallel.DEFAULT_BUCKET_BYTES, false).synchronizeBuffers(List.of(norm));
                System.out.println("RESULT kept " + norm.running_mean().sum().item_double());
                new DataParallel(c, DataParallel.DEFAULT_BUCKET_BYTES, true).synchronizeBuffers(List.of(norm));
                System.out.println(
                        "RESULT broadcast " + norm.running_mean().sum().item_double());
                return;
            }
            long started = System.nanoTime();
            try {
                Tensor summed = full(new long[] {3}, new Scalar(rank + 1.0), new TensorOptions(ScalarType.Float));
                Tensor other =
                        full(new long[] {2, 2}, new Scalar(10.0 * (rank + 1)), new TensorOptions(ScalarType.Float));
                c.allReduceSum(List.of(summed, other));
                System.out.println("RESULT allreduce " + summed.sum().item_double() + " "
                        + other.sum().item_double());
                Tensor root = full(new long[] {2}, new Scalar(rank + 5.0), new TensorOptions(ScalarType.Float));
                c.broadcast(List.of(root), 0);
                System.out.println("RESULT broadcast " + root.sum().item_double());
                Tensor mine = arange(new Scalar(2.0 * rank), new Scalar(2.0 * rank + 2))
                        .to(ScalarType.Float)
                        .view(2, 1);
                Tensor all = c.allGather(mine);
                float[] values = new float[(int) all.numel()];
                all.contiguous().data_ptr_float().get(values);
                System.out.println(
                        "RESULT gather " + Arrays.toString(all.sizes().vec().get()) + " " + Arrays.toString(values));
                c.barrier();
                System.out.println("RESULT barrier");
            } catch (DistributedException e) {
                System.out.println("RESULT failed after " + (System.nanoTime() - started) / 1_000_000_000L + " s: "
                        + e.getMessage());
                System.exit(3);
            }
        }
    }
}
