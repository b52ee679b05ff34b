package dev.vae4j.core.io.torch;

/**
 * A storage class named by a checkpoint's persistent ids: a legacy typed storage ({@code torch.FloatStorage}, element
 * type {@code dtype}) or {@code torch.UntypedStorage} (bytes, {@code dtype} = uint8).
 *
 * @param name the global as written, e.g. {@code torch.FloatStorage}
 * @param dtype the element type
 * @param untyped whether this is {@code UntypedStorage}
 */
record StorageType(String name, TorchDtype dtype, boolean untyped) {}
