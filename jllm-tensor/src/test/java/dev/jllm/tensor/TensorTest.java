package dev.jllm.tensor;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorTest {

    private static Tensor iota(long... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] a = t.heapArray();
        for (int i = 0; i < a.length; i++) a[i] = i;
        return t;
    }

    @Test
    void viewsShareStorageAndIndexCorrectly() {
        Tensor t = iota(2, 3, 4);
        assertThat(t.get(1, 2, 3)).isEqualTo(23f);
        Tensor tr = t.transpose(0, 2); // [4, 3, 2]
        assertThat(tr.shape()).containsExactly(4, 3, 2);
        assertThat(tr.get(3, 2, 1)).isEqualTo(23f);
        assertThat(tr.isContiguous()).isFalse();
        Tensor sl = t.slice(2, 1, 3); // [2, 3, 2]
        assertThat(sl.get(1, 0, 1)).isEqualTo(12 + 2f);
        Tensor row = t.select(1, 2); // [2, 4]
        assertThat(row.toFloatArray()).containsExactly(8, 9, 10, 11, 20, 21, 22, 23);
        row.set(-1f, 0, 0);
        assertThat(t.get(0, 2, 0)).isEqualTo(-1f);
    }

    @Test
    void reshapeIsAViewWhenContiguousAndACopyOtherwise() {
        Tensor t = iota(2, 6);
        Tensor r = t.reshape(3, -1);
        assertThat(r.shape()).containsExactly(3, 4);
        assertThat(r.heapArray()).isSameAs(t.heapArray());
        Tensor tr = t.transpose(0, 1).reshape(12);
        assertThat(tr.toFloatArray()).containsExactly(0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11);
        assertThatThrownBy(() -> t.reshape(5, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12");
    }

    @Test
    void contiguousCopiesStridedPlainAndSegmentTensors() {
        Tensor t = iota(3, 4).transpose(0, 1).contiguous();
        assertThat(t.isContiguous()).isTrue();
        assertThat(t.toFloatArray()).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        Tensor h = iota(3, 4).to(DType.F16).transpose(0, 1).contiguous();
        assertThat(h.dtype()).isEqualTo(DType.F16);
        assertThat(h.toFloatArray()).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    }

    @Test
    void badShapesAndIndicesSayWhatIsWrong() {
        assertThatThrownBy(() -> Tensor.of(new float[5], 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 3]").hasMessageContaining("5");
        Tensor t = iota(2, 3);
        assertThatThrownBy(() -> t.get(2, 0)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("[2, 3]");
        assertThatThrownBy(() -> t.slice(1, 2, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.transpose(0, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tensor.allocate(DType.Q8_0, 4, 33)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32");
        Tensor q = Tensor.allocate(DType.Q4_0, 2, 64);
        assertThatThrownBy(() -> q.transpose(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> q.slice(1, 0, 16)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wrapChecksTheSegmentSizeAndReadsLittleEndian() {
        MemorySegment seg = Arena.ofAuto().allocate(16);
        seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 0x00);
        seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 1, (byte) 0x3c); // f16 1.0 little-endian
        Tensor h = Tensor.wrap(seg, DType.F16, 8);
        assertThat(h.get(0)).isEqualTo(1f);
        assertThatThrownBy(() -> Tensor.wrap(seg, DType.F32, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("20").hasMessageContaining("16");
    }

    @Test
    void halfPrecisionConversionsMatchPyTorch() throws Exception {
        // Golden from tools/tensor/make_half_fixture.py (torch .to(float16/bfloat16)).
        try (var in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                getClass().getResourceAsStream("/tensor/half.txt")), StandardCharsets.UTF_8))) {
            int n = 0;
            for (String line; (line = in.readLine()) != null; n++) {
                String[] p = line.split(" ");
                float v = Float.intBitsToFloat((int) Long.parseLong(p[0], 16));
                short f16 = (short) Integer.parseInt(p[1], 16);
                short bf16 = (short) Integer.parseInt(p[2], 16);
                assertThat(Float.floatToFloat16(v)).as("f16 of %s", v).isEqualTo(f16);
                assertThat(Tensor.toBF16(v)).as("bf16 of %s (%s)", v, p[0]).isEqualTo(bf16);
                Tensor t = Tensor.allocate(DType.BF16, 1);
                t.set(v, 0);
                assertThat(Float.floatToRawIntBits(t.get(0))).isEqualTo((bf16 & 0xffff) << 16);
            }
            assertThat(n).isGreaterThan(500);
        }
    }

    @Test
    void mappedFilesLargerThan2GiBWork(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // A sparse file of 2 GiB + 64 bytes, memory-mapped: no disk or RAM is really used.
        long n = (1L << 31) + 64;
        java.nio.file.Path f = dir.resolve("big.bin");
        try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(n);
        }
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            MemorySegment seg = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, n, arena);
            Tensor t = Tensor.wrap(seg, DType.I8, n);
            t.set(7f, n - 1);
            assertThat(t.get(n - 1)).isEqualTo(7f);
            assertThat(t.slice(0, n - 8, n).get(7)).isEqualTo(7f);
            Tensor rows = Tensor.wrap(seg, DType.Q8_0, 64, (n - 64) / 34 / 64 * 32);
            assertThat(rows.rowBytes(63).byteSize()).isEqualTo(DType.Q8_0.byteSize(rows.dim(1)));
        }
    }
}
