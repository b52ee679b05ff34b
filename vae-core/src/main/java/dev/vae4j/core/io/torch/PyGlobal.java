package dev.vae4j.core.io.torch;

/**
 * An allow-listed class or function referenced by a pickle as a plain value and never called (for example Lightning 1.x
 * keys its {@code callbacks} dict by the {@code ModelCheckpoint} class).
 *
 * @param module the Python module, e.g. {@code pytorch_lightning.callbacks.model_checkpoint}
 * @param name the qualified name in the module, e.g. {@code ModelCheckpoint}
 */
record PyGlobal(String module, String name) {
    /** {@code module.name}. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
