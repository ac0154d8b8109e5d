package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.models.Encoder;
import dev.jllm.models.Pooling;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** jllm embed output shape and semantics; jllm convert round trips give the same vectors. */
class EmbedConvertCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static double[][] vectors(String json) throws Exception {
        JsonNode e = new ObjectMapper().readTree(json).get("embeddings");
        double[][] v = new double[e.size()][];
        for (int i = 0; i < v.length; i++) {
            v[i] = new double[e.get(i).size()];
            for (int d = 0; d < v[i].length; d++) v[i][d] = e.get(i).get(d).asDouble();
        }
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Test
    void embedsLinesAndConvertedModelsGiveIdenticalVectors() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "A man is playing a guitar.\nSomeone plays an instrument.\nThe stock market fell sharply today.\n");
        Run r = run("embed", "--file", in.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("model").asText()).isEqualTo("minilm");
        assertThat(root.get("dim").asInt()).isEqualTo(384);
        double[][] v = vectors(r.out());
        assertThat(v).hasNumberOfRows(3);
        for (double[] x : v) assertThat(dot(x, x)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        // Paraphrases sit closer than an unrelated sentence.
        assertThat(dot(v[0], v[1])).isGreaterThan(dot(v[0], v[2]) + 0.2);

        Map<String, Tensor> source = Encoder.open("minilm", Pooling.MEAN, true).model().hfTensors();
        for (String ext : new String[]{"safetensors", "gguf"}) {
            Path out = dir.resolve(ext).resolve("model." + ext);
            Run c = run("convert", "--from", "minilm", "--to", out.toString());
            assertThat(c.code()).as(c.err()).isZero();
            Run again = run("embed", "-m", out.toString(), "--file", in.toString(), "--json");
            assertThat(again.code()).as(again.err()).isZero();
            // The weights come back bit for bit; the vectors then agree to float rounding (the first
            // calls of a fresh JVM run interpreted Math.exp/tanh, which may differ from the JIT's by an ulp).
            Map<String, Tensor> back = Encoder.open(out.toString(), Pooling.MEAN, true).model().hfTensors();
            assertThat(back.keySet()).containsExactlyElementsOf(source.keySet());
            for (String k : source.keySet()) {
                assertThat(back.get(k).shape()).as(k).containsExactly(source.get(k).shape());
                assertThat(java.util.Arrays.equals(back.get(k).toFloatArray(), source.get(k).toFloatArray())).as(ext + " " + k).isTrue();
            }
            double[][] w = vectors(again.out());
            for (int i = 0; i < v.length; i++) {
                for (int d = 0; d < v[i].length; d++) assertThat(w[i][d]).as(ext).isCloseTo(v[i][d], org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @Test
    void clearErrors() {
        Run r = run("embed", "-m", dir.resolve("nope").toString(), "--text", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("nope");
        Run c = run("convert", "--from", "minilm", "--to", dir.resolve("x.bin").toString());
        assertThat(c.code()).isEqualTo(1);
        assertThat(c.err()).contains(".safetensors or .gguf");
    }
}
