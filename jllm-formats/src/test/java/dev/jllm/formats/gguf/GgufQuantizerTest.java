package dev.jllm.formats.gguf;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.quant.Quants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link GgufQuantizer}: which tensors convert (llama-quantize's rules), that converted rows
 * hold exactly the blocks {@link Quants} writes for the source values (bit-exact with ggml, see
 * QuantsGgmlGoldenTest), that everything else and the metadata come through byte for byte.
 */
class GgufQuantizerTest {
    @TempDir
    Path dir;

    static Tensor random(SplittableRandom r, long rows, long cols) {
        float[] v = new float[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(v, rows, cols);
    }

    @Test
    void convertsTheWeightMatricesAndCopiesTheRest() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        Path in = dir.resolve("in.gguf"), out = dir.resolve("out.gguf");
        Tensor q = random(r, 4, 64), output = random(r, 5, 64), router = random(r, 2, 64), odd = random(r, 3, 48);
        byte[] iq2 = new byte[2 * 66];
        for (int i = 0; i < iq2.length; i++) iq2[i] = (byte) r.nextInt();
        new GgufWriter()
                .put("general.architecture", GgufValue.string("llama"))
                .put("llama.block_count", GgufValue.uint32(1))
                .put("tokenizer.ggml.tokens", GgufValue.strings("a", "b", "c"))
                .addTensor("blk.0.attn_q.weight", q)
                .addTensor("blk.0.attn_norm.weight", Tensor.of(new float[64], 64))
                .addTensor("blk.0.ffn_gate_inp.weight", router)
                .addTensor("blk.0.odd.weight", odd)
                .addTensor("blk.0.iq2.weight", GgmlType.IQ2_XXS, new long[] {2, 256}, MemorySegment.ofArray(iq2))
                .addTensor("output.weight", output)
                .write(in);
        GgufQuantizer.Result res = GgufQuantizer.quantize(in, out, DType.Q4_0, DType.Q8_0, null);
        Map<String, GgufQuantizer.TensorPlan> plan = res.tensors().stream()
                .collect(Collectors.toMap(GgufQuantizer.TensorPlan::name, p -> p));
        assertThat(plan.get("blk.0.attn_q.weight").to()).isEqualTo(GgmlType.Q4_0);
        assertThat(plan.get("output.weight").to()).isEqualTo(GgmlType.Q8_0);
        assertThat(plan.get("blk.0.attn_norm.weight").keptBecause()).isEqualTo("one-dimensional");
        assertThat(plan.get("blk.0.ffn_gate_inp.weight").keptBecause()).isEqualTo("an expert router");
        assertThat(plan.get("blk.0.odd.weight").keptBecause()).contains("rows of 48 do not fill blocks of 32");
        assertThat(plan.get("blk.0.iq2.weight").keptBecause()).contains("IQ2_XXS cannot be decoded");
        assertThat(res.outputBytes()).isLessThan(res.inputBytes());
        try (GgufFile a = GgufFile.open(in); GgufFile b = GgufFile.open(out)) {
            for (var e : a.typedMetadata().entrySet()) assertThat(b.typedMetadata()).containsEntry(e.getKey(), e.getValue());
            assertThat(b.string("general.quantized_by")).isEqualTo("jllm");
            assertRows(b, "blk.0.attn_q.weight", DType.Q4_0, q);
            assertRows(b, "output.weight", DType.Q8_0, output);
            for (String kept : new String[] {"blk.0.attn_norm.weight", "blk.0.ffn_gate_inp.weight", "blk.0.odd.weight", "blk.0.iq2.weight"}) {
                assertThat(b.tensorInfos().get(kept).type()).isEqualTo(a.tensorInfos().get(kept).type());
                assertThat(bytes(b.tensorBytes(kept))).as(kept).isEqualTo(bytes(a.tensorBytes(kept)));
            }
        }
    }

    @Test
    void badTargetsAndOverwritingTheInputAreRefused() throws Exception {
        Path in = dir.resolve("m.gguf");
        new GgufWriter().addTensor("w.weight", random(new SplittableRandom(1), 2, 32)).write(in);
        assertThatThrownBy(() -> GgufQuantizer.quantize(in, dir.resolve("o.gguf"), DType.BF16, null, null))
                .hasMessageContaining("cannot quantize to BF16").hasMessageContaining("IQ4_XS");
        assertThatThrownBy(() -> GgufQuantizer.quantize(in, in, DType.Q8_0, null, null)).hasMessageContaining("overwrite the input");
    }

    private static void assertRows(GgufFile f, String name, DType type, Tensor src) {
        assertThat(f.tensorInfos().get(name).type()).isEqualTo(GgmlType.of(type));
        assertThat(f.tensor(name).shape()).containsExactly(src.shape());
        int rows = (int) src.dim(0), cols = (int) src.dim(1);
        byte[] got = bytes(f.tensorBytes(name));
        for (int row = 0; row < rows; row++) {
            float[] v = Arrays.copyOfRange(src.toFloatArray(), row * cols, (row + 1) * cols);
            byte[] want = Quants.quantize(type, v);
            assertThat(Arrays.copyOfRange(got, row * want.length, (row + 1) * want.length)).as("%s row %d", name, row).isEqualTo(want);
        }
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }
}
