package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.models.CausalLM;
import dev.jllm.models.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `jllm quantize` on the F32 reference Llama: the re-quantized file loads; its logits stay within
 * the 8-bit-activation bound of the same weights decoded back to F32 (`--type F32`, run by the
 * float kernels) and, for Q8_0, of PyTorch's on the original weights
 * (tools/models/llama_reference.py); the tokenizer comes along; a bad type is a usage error
 * that names the targets.
 */
class QuantizeCommandTest {
    static final Path DIR = Path.of("../jllm-models/src/test/resources/models/llama-tiny");
    @TempDir Path dir;

    private static String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void requantizedModelsStayCloseToTheirReferences() throws Exception {
        List<String> lines = Files.readAllLines(DIR.resolve("golden.txt"));
        int[] tokens = Arrays.stream(lines.getFirst().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        float[][] torch = new float[tokens.length][];
        for (int t = 0; t < tokens.length; t++) { // the logit rows end the file
            String[] p = lines.get(lines.size() - tokens.length + t).trim().split(" ");
            torch[t] = new float[p.length];
            for (int i = 0; i < p.length; i++) torch[t][i] = Float.parseFloat(p[i]);
        }
        for (String type : List.of("Q8_0", "IQ4_NL", "Q4_0")) {
            Path out = dir.resolve(type + ".gguf"), back = dir.resolve(type + "-f32.gguf");
            String[] r = run("quantize", DIR.resolve("model.gguf").toString(), out.toString(), "--type", type.toLowerCase(), "--json");
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            JsonNode j = new ObjectMapper().readTree(r[1]);
            assertThat(j.get("output_bytes").asLong()).isLessThan(j.get("input_bytes").asLong());
            assertThat(r[2]).contains("blk.0.attn_q.weight").contains("F32 -> " + type);
            // The same weights decoded back to F32 run through the float kernels: an independent path.
            assertThat(run("quantize", out.toString(), back.toString(), "--type", "F32")[0]).isEqualTo("0");
            float[][] got = logits(out, tokens), ref = logits(back, tokens);
            double vsTorch = 0, vsDecoded = 0;
            for (int t = 0; t < tokens.length; t++) {
                vsTorch = Math.max(vsTorch, relErr(got[t], torch[t]));
                vsDecoded = Math.max(vsDecoded, relErr(got[t], ref[t]));
            }
            System.out.printf("llama-tiny -> %s: max |logit diff| / range vs PyTorch's F32 %.2e, vs the decoded weights %.2e%n",
                    type, vsTorch, vsDecoded);
            assertThat(vsDecoded).as("%s vs its own weights in F32 (8-bit activations)", type).isLessThan(1.5e-2);
            assertThat(vsTorch).as("%s vs PyTorch on the original weights", type).isLessThan(type.equals("Q8_0") ? 1.5e-2 : 0.25);
            try (var g = dev.jllm.formats.gguf.GgufFile.open(out)) {
                assertThat(g.metadata()).containsKey("tokenizer.ggml.tokens");
            }
        }
    }

    private static float[][] logits(Path model, int[] tokens) throws Exception {
        try (ModelLoader.Loaded l = ModelLoader.load(model)) {
            CausalLM m = l.model();
            int v = m.vocabSize();
            float[] all = new float[tokens.length * v];
            m.forward(tokens, 0, tokens.length, m.newState(tokens.length), all, true);
            float[][] rows = new float[tokens.length][];
            for (int t = 0; t < tokens.length; t++) rows[t] = Arrays.copyOfRange(all, t * v, (t + 1) * v);
            return rows;
        }
    }

    private static double relErr(float[] got, float[] want) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE, diff = 0;
        for (int i = 0; i < want.length; i++) {
            min = Math.min(min, want[i]);
            max = Math.max(max, want[i]);
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
        }
        return diff / (max - min);
    }

    @Test
    void aTypeThatCannotBeWrittenNamesTheTargets() {
        String[] r = run("quantize", DIR.resolve("model.gguf").toString(), dir.resolve("o.gguf").toString(), "--type", "q4_k_m");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("'q4_k_m' is not a target type").contains("IQ4_XS");
        String[] missing = run("quantize", dir.resolve("nope.gguf").toString(), dir.resolve("o.gguf").toString(), "--type", "q8_0");
        assertThat(missing[0]).isEqualTo("1");
        assertThat(missing[2]).contains("no such file");
    }
}
