package dev.jllm.formats;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.formats.onnx.OnnxInitializers;
import dev.jllm.formats.safetensors.SafetensorsFile;
import dev.jllm.formats.safetensors.SafetensorsWriter;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded mutation fuzzing of the three readers: valid files get bit flips, byte overwrites,
 * truncations, insertions and huge values written over (likely) length fields. Whatever the
 * damage, opening and reading may only fail with the declared exceptions: the format's
 * {@link ModelFormatException} when opening, IllegalArgumentException for a tensor jllm cannot
 * decode. Anything else (IndexOutOfBounds, OutOfMemoryError, StackOverflowError, NPE) fails.
 */
class MutationFuzzTest {
    private static final long MILLIS_PER_FORMAT = Long.getLong("jllm.fuzzMillis", 4000);
    /** Added to each test's seed: {@code -Djllm.fuzzSeed=N} explores other mutations. */
    private static final long SEED_OFFSET = Long.getLong("jllm.fuzzSeed", 0);
    private static final long[] HUGE = {-1L, 1L << 60, 1L << 32, (1L << 31) - 1, 1L << 31, 0x7fff_ffff_ffff_ffffL, 1L << 40, 255, 0};

    @TempDir Path dir;

    interface Opener {
        WeightFile open(Path p) throws java.io.IOException;
    }

    @Test
    void gguf() throws Exception {
        Path seed = dir.resolve("seed.gguf");
        new GgufWriter().putAll(dev.jllm.formats.gguf.GgufRoundTripTest.everyType())
                .addTensor("f", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3))
                .addTensor("q", DType.Q8_0, new long[] {1, 32}, java.lang.foreign.MemorySegment.ofArray(new byte[34]))
                .write(seed);
        fuzz(new byte[][] {Files.readAllBytes(seed), Files.readAllBytes(Fixtures.copy("fixture_v3.gguf", dir))},
                GgufFile::open, 1);
    }

    @Test
    void safetensors() throws Exception {
        Path seed = dir.resolve("seed.safetensors");
        new SafetensorsWriter().putMetadata("k", "v").add("a", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2))
                .add("b", Tensor.allocate(DType.BF16, 3)).add("c", Tensor.allocate(DType.I64, 1, 1)).write(seed);
        fuzz(new byte[][] {Files.readAllBytes(seed), Files.readAllBytes(Fixtures.copy("fixture.safetensors", dir))},
                SafetensorsFile::open, 2);
    }

    @Test
    void onnx() throws Exception {
        fuzz(new byte[][] {Files.readAllBytes(Fixtures.copy("tiny.onnx", dir))}, OnnxInitializers::open, 3);
    }

    @Test
    void detectionOfAnyFormat() throws Exception {
        byte[][] seeds = {Files.readAllBytes(Fixtures.copy("fixture_v3.gguf", dir)),
                Files.readAllBytes(Fixtures.copy("fixture.safetensors", dir)), Files.readAllBytes(Fixtures.copy("tiny.onnx", dir))};
        fuzz(seeds, ModelFiles::open, 4);
    }

    private void fuzz(byte[][] seeds, Opener opener, long seed) throws Exception {
        seed += SEED_OFFSET;
        Random rnd = new Random(seed);
        long deadline = System.currentTimeMillis() + MILLIS_PER_FORMAT;
        int runs = 0, opened = 0;
        Path p = dir.resolve("fuzz-" + seed + ".bin");
        while (System.currentTimeMillis() < deadline && runs < 20_000) {
            byte[] input = mutate(seeds[rnd.nextInt(seeds.length)], rnd);
            Files.write(p, input);
            runs++;
            try (WeightFile f = opener.open(p)) {
                opened++;
                exercise(f);
            } catch (ModelFormatException expected) {
                assertThat(expected.getMessage()).contains(p.getFileName().toString());
            } catch (Throwable t) {
                throw new AssertionError("run " + runs + " (seed " + seed + "): " + t + " on input " + hex(input), t);
            }
        }
        assertThat(runs).isGreaterThan(50);
        assertThat(opened).as("some mutants still open").isPositive();
    }

    private static void exercise(WeightFile f) {
        f.metadata().forEach((k, v) -> String.valueOf(v));
        if (f instanceof GgufFile g) g.typedMetadata().values().forEach(GgufValue::toString);
        for (TensorEntry e : f.entries()) {
            try {
                Tensor t = f.tensor(e.name());
                if (t.numel() <= 1 << 20 && (!t.dtype().isQuantized())) t.toFloatArray();
            } catch (IllegalArgumentException declared) {
                // a dtype jllm cannot decode, or data a lazy decoder rejects: both say so
                assertThat(declared.getMessage()).isNotBlank();
            }
        }
    }

    static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits; e++) {
            switch (rnd.nextInt(6)) {
                case 0 -> { // bit flips
                    for (int i = 0, n = 1 + rnd.nextInt(4); i < n && b.length > 0; i++) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                case 1 -> { // random bytes
                    for (int i = 0, n = 1 + rnd.nextInt(4); i < n && b.length > 0; i++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt();
                }
                case 2 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : rnd.nextInt(b.length)); // truncation
                case 3, 4 -> { // a huge value over a 4- or 8-byte field (lengths, counts, offsets, dims)
                    int width = rnd.nextBoolean() ? 8 : 4;
                    if (b.length >= width) {
                        int at = rnd.nextInt(b.length - width + 1);
                        if (rnd.nextBoolean()) at -= at % width;
                        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                        long v = HUGE[rnd.nextInt(HUGE.length)];
                        if (width == 8) bb.putLong(at, v); else bb.putInt(at, (int) v);
                    }
                }
                default -> { // insert or delete a few bytes
                    int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
                    int n = 1 + rnd.nextInt(8);
                    byte[] out;
                    if (rnd.nextBoolean()) {
                        out = new byte[b.length + n];
                        System.arraycopy(b, 0, out, 0, at);
                        for (int i = 0; i < n; i++) out[at + i] = (byte) rnd.nextInt();
                        System.arraycopy(b, at, out, at + n, b.length - at);
                    } else {
                        n = Math.min(n, b.length - at);
                        out = new byte[b.length - n];
                        System.arraycopy(b, 0, out, 0, at);
                        System.arraycopy(b, at + n, out, at, b.length - at - n);
                    }
                    b = out;
                }
            }
        }
        return b;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 512); i++) sb.append(String.format("%02x", b[i]));
        return sb + (b.length > 512 ? "..." : "");
    }
}
