package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width every kernel uses, chosen once per JVM.
 *
 * <p>{@code -Djllm.vectorBits=0|128|256|512} forces a width (0 = the scalar path); the default
 * is the machine's preferred width. Kernels branch on {@link #SCALAR} and otherwise use
 * {@link #F} (and the derived species below), so every path is reachable and testable.
 */
public final class Simd {
    private Simd() {}

    /** Vector bits in use; 0 means the scalar path. */
    public static final int BITS = chooseBits();

    /** True when kernels must use their scalar loops. */
    public static final boolean SCALAR = BITS == 0;

    /** Float species of the chosen width (the preferred species on the scalar path, unused there). */
    public static final VectorSpecies<Float> F = SCALAR ? FloatVector.SPECIES_PREFERRED
            : VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));

    /** Floats per vector (1 on the scalar path). */
    public static final int LANES = SCALAR ? 1 : F.length();

    /** Bits of the widest vector the hardware runs natively. */
    public static int hardwareBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    private static int chooseBits() {
        String v = System.getProperty("jllm.vectorBits", "").trim();
        if (v.isEmpty()) return FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits;
        try {
            bits = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("jllm.vectorBits must be 0, 64, 128, 256 or 512, got '" + v + "'");
        }
        if (bits != 0 && bits != 64 && bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("jllm.vectorBits must be 0, 64, 128, 256 or 512, got " + bits);
        }
        return bits;
    }

    /** One line describing the kernel path, e.g. "kernels: Vector API 256-bit (8 floats), 2 threads". */
    public static String describe() {
        String path = SCALAR ? "scalar (jllm.vectorBits=0)"
                : "Vector API " + BITS + "-bit (" + LANES + " floats)"
                  + (BITS > hardwareBits() ? ", wider than the hardware's " + hardwareBits() + "-bit: emulated, slow" : "");
        return "kernels: " + path + ", " + Parallel.threads() + " threads";
    }
}
