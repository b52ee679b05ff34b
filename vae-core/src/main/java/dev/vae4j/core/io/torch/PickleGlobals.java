package dev.vae4j.core.io.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The allow-list of globals a checkpoint pickle may name. Anything else ({@code os.system}, {@code builtins.exec},
 * {@code subprocess.Popen}, any unknown class) throws {@link UnsafePickleException} naming {@code module.name} when the
 * GLOBAL / STACK_GLOBAL / INST opcode is read, before anything of it is built.
 *
 * <p>Allowed, with the reason:
 *
 * <ul>
 *   <li>{@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_tensor} (pre-0.4 files), {@code _rebuild_parameter},
 *       {@code _rebuild_parameter_with_state}: how every tensor and parameter is pickled; we only record a
 *       bounds-checked {@link TensorRef}.
 *   <li>{@code torch.<T>Storage}, {@code torch.cuda.<T>Storage} (old GPU saves), {@code torch.UntypedStorage},
 *       {@code torch.storage.UntypedStorage}, and {@code torch.<dtype>}: values naming element types in persistent ids;
 *       never called.
 *   <li>{@code collections.OrderedDict} (every {@code state_dict}), {@code torch.Size}, {@code builtins.set} /
 *       {@code frozenset} (and Python 2 {@code __builtin__}), {@code _codecs.encode} (how protocol 2 writes
 *       {@code bytes}): rebuilt as plain Java collections / byte arrays.
 *   <li>{@code pytorch_lightning.utilities.parsing.AttributeDict},
 *       {@code lightning_fabric.utilities.data.AttributeDict}: a {@code dict} subclass holding Lightning
 *       {@code hyper_parameters}; rebuilt as a {@link PyDict}.
 *   <li>{@code argparse.Namespace} (old Lightning {@code hparams}), {@code numpy.core.multiarray.scalar},
 *       {@code numpy._core.multiarray.scalar} and {@code numpy.dtype} (callback scores such as
 *       {@code best_model_score}): kept as opaque {@link PyObject} data; no code of theirs runs.
 *   <li>{@code pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint} (and the {@code lightning.pytorch}
 *       spelling): Lightning before 1.5 keys {@code callbacks} by this class; allowed only as a {@link PyGlobal} value;
 *       calling it is refused.
 * </ul>
 */
final class PickleGlobals {
    /** What an allow-listed callable global does when called. */
    enum Builtin {
        REBUILD_TENSOR_V2,
        REBUILD_TENSOR,
        REBUILD_PARAMETER,
        REBUILD_PARAMETER_WITH_STATE,
        ORDERED_DICT,
        DICT_SUBCLASS,
        TORCH_SIZE,
        SET,
        FROZENSET,
        CODECS_ENCODE,
        OPAQUE
    }

    /** A callable allow-listed global. */
    record Callable(PyGlobal global, Builtin builtin) {}

    private static final Map<String, Object> ALLOWED = new LinkedHashMap<>();

    static {
        callable("torch._utils", "_rebuild_tensor_v2", Builtin.REBUILD_TENSOR_V2);
        callable("torch._utils", "_rebuild_tensor", Builtin.REBUILD_TENSOR);
        callable("torch._utils", "_rebuild_parameter", Builtin.REBUILD_PARAMETER);
        callable("torch._utils", "_rebuild_parameter_with_state", Builtin.REBUILD_PARAMETER_WITH_STATE);
        callable("collections", "OrderedDict", Builtin.ORDERED_DICT);
        callable("torch", "Size", Builtin.TORCH_SIZE);
        for (String builtins : new String[] {"builtins", "__builtin__"}) {
            callable(builtins, "set", Builtin.SET);
            callable(builtins, "frozenset", Builtin.FROZENSET);
        }
        callable("_codecs", "encode", Builtin.CODECS_ENCODE);
        callable("pytorch_lightning.utilities.parsing", "AttributeDict", Builtin.DICT_SUBCLASS);
        callable("lightning_fabric.utilities.data", "AttributeDict", Builtin.DICT_SUBCLASS);
        callable("argparse", "Namespace", Builtin.OPAQUE);
        callable("numpy.core.multiarray", "scalar", Builtin.OPAQUE);
        callable("numpy._core.multiarray", "scalar", Builtin.OPAQUE);
        callable("numpy", "dtype", Builtin.OPAQUE);
        value("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint");
        value("lightning.pytorch.callbacks.model_checkpoint", "ModelCheckpoint");
        for (TorchDtype d : TorchDtype.values()) {
            ALLOWED.put("torch." + d.storageClass(), new StorageType("torch." + d.storageClass(), d, false));
            ALLOWED.put("torch.cuda." + d.storageClass(), new StorageType("torch.cuda." + d.storageClass(), d, false));
            ALLOWED.put("torch." + d.dtypeName(), d);
        }
        for (String alias : new String[] {"float", "double", "half", "long", "int", "short"}) {
            ALLOWED.put("torch." + alias, TorchDtype.byDtypeName(alias));
        }
        ALLOWED.put("torch.UntypedStorage", new StorageType("torch.UntypedStorage", TorchDtype.UINT8, true));
        ALLOWED.put(
                "torch.storage.UntypedStorage",
                new StorageType("torch.storage.UntypedStorage", TorchDtype.UINT8, true));
    }

    private PickleGlobals() {}

    private static void callable(String module, String name, Builtin builtin) {
        ALLOWED.put(module + "." + name, new Callable(new PyGlobal(module, name), builtin));
    }

    private static void value(String module, String name) {
        ALLOWED.put(module + "." + name, new PyGlobal(module, name));
    }

    /** Whether {@code module.name} is allowed. */
    public static boolean isAllowed(String module, String name) {
        return ALLOWED.containsKey(module + "." + name);
    }

    /**
     * The value standing for global {@code module.name}: a {@link TorchDtype}, {@link StorageType}, {@link PyGlobal}
     * (value-only class) or a package-private callable.
     *
     * @throws UnsafePickleException if the global is not allow-listed
     */
    static Object resolve(String module, String name, String origin) {
        Object value = ALLOWED.get(module + "." + name);
        if (value == null) {
            String global = module + "." + name;
            throw new UnsafePickleException(
                    global,
                    origin + ": refusing to unpickle global '" + global
                            + "': not on the allow-list of tensors, storages, containers and known harmless classes");
        }
        return value;
    }
}
