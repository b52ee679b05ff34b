package dev.vae4j.core.io.torch;

import java.util.ArrayList;

/** A Python list of an unpickled object tree (identity equality: lists may contain themselves). */
final class PyList extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return "list(" + size() + " items)";
    }
}
