package dev.vae4j.core.io.torch;

import java.util.List;

/**
 * An opaque instance of an allow-listed harmless class ({@code argparse.Namespace}, numpy scalars and dtypes): the
 * class name, the constructor arguments and the state the pickle gave it, kept as data. No Python or Java code of that
 * class runs.
 */
final class PyObject {
    private final PyGlobal type;
    private final List<Object> args;
    private Object state = PyNone.NONE;

    PyObject(PyGlobal type, List<Object> args) {
        this.type = type;
        this.args = List.copyOf(args);
    }

    /** The class. */
    public PyGlobal type() {
        return type;
    }

    /** The arguments the pickle passed to the class (REDUCE / NEWOBJ). */
    public List<Object> args() {
        return args;
    }

    /** The state set by BUILD ({@link PyNone#NONE} if none), e.g. a {@link PyDict} of attributes. */
    public Object state() {
        return state;
    }

    void setState(Object state) {
        this.state = state;
    }

    @Override
    public String toString() {
        return type.qualifiedName() + "(...)";
    }
}
