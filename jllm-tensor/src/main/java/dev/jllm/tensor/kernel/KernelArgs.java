package dev.jllm.tensor.kernel;

/** Argument checks shared by the array kernels: a bad slice fails before any work starts. */
final class KernelArgs {
    private KernelArgs() {}

    /** Throws unless {@code [off, off + n)} lies inside {@code a}. */
    static void slice(String name, float[] a, int off, long n) {
        if (a == null) throw new IllegalArgumentException(name + " is null");
        if (n < 0) throw new IllegalArgumentException(name + ": negative length " + n);
        if (off < 0 || off + n > a.length) {
            throw new IllegalArgumentException(name + ": slice [" + off + ", " + (off + n) + ") is outside an array of "
                    + a.length);
        }
    }

    static void positive(String name, long v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
}
