package dev.jllm.models;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.WeightFile;
import dev.jllm.tokenizer.WordPiece;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * jllm's BERT encoder against ONNX Runtime executing the same all-MiniLM-L6-v2 graph on the
 * same token ids (padded batches with an attention mask on the ORT side): per-token hidden
 * states and mean-pooled normalized embeddings.
 */
class BertOnnxRuntimeTest {
    @TempDir static Path dir;
    static Path onnx;
    static WordPiece tokenizer;
    static Bert bert;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = BertOnnxRuntimeTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx");
             InputStream tok = Encoder.miniLmTokenizerJson()) {
            onnx = dir.resolve("m.onnx");
            Files.copy(in, onnx);
            tokenizer = WordPiece.fromTokenizerJson(new ObjectMapper().readTree(tok));
        }
        try (WeightFile f = ModelFiles.open(onnx)) {
            bert = Bert.load(f, 12);
        }
    }

    /** ≥ 200 varied inputs: Brown sentences of all lengths, whole documents (truncated at 512), empty, non-Latin. */
    static List<String> corpus() throws Exception {
        List<String> out = new ArrayList<>();
        out.add("");
        out.add("Привет, как дела? Это тест кодировщика.");
        out.add("日本語の文章も正しく処理されるべきです。");
        out.add("中文句子用于测试分词和编码。");
        out.add("مرحبا بالعالم، هذا اختبار.");
        out.add("Ελληνικά κείμενα και emoji 🙂 mixed with ASCII.");
        out.add("हिन्दी वाक्य का परीक्षण।");
        out.add("   lots   of\twhitespace \n and CAPS and Accénts àéîõü   ");
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(Path.of(System.getProperty("user.dir")).getParent().resolve("data/brown.jsonl.gz"))), StandardCharsets.UTF_8))) {
            String line;
            int doc = 0;
            while ((line = r.readLine()) != null && doc < 70) {
                JsonNode d = json.readTree(line);
                String text = d.get("text").asText();
                if (doc % 12 == 0) out.add(text); // a whole document: far past 512 tokens
                String[] sentences = text.split("(?<=[.!?])\\s+");
                for (int i = 0; i < 3 && i * 7 < sentences.length; i++) out.add(sentences[i * 7]);
                doc++;
            }
        }
        return out;
    }

    @Test
    void hiddenStatesAndEmbeddingsMatchOnnxRuntime() throws Exception {
        List<String> texts = corpus();
        assertThat(texts.size()).isGreaterThanOrEqualTo(200);
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) ids.add(tokenizer.encode(t, 512));
        assertThat(ids.stream().mapToInt(a -> a.length).max().orElseThrow()).isEqualTo(512);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double maxDiff = 0, minCos = 1;
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(onnx.toString(), o)) {
                int batch = 16;
                for (int b0 = 0; b0 < ids.size(); b0 += batch) {
                    List<int[]> part = ids.subList(b0, Math.min(ids.size(), b0 + batch));
                    float[][] ours = bert.encode(part, null);
                    float[][][] ref = runOrt(env, session, part);
                    for (int s = 0; s < part.size(); s++) {
                        int len = part.get(s).length;
                        for (int t = 0; t < len; t++) {
                            for (int d = 0; d < 384; d++) {
                                maxDiff = Math.max(maxDiff, Math.abs(ours[s][t * 384 + d] - ref[s][t][d]));
                            }
                        }
                        float[] a = Pooling.l2Normalize(Pooling.MEAN.pool(ours[s], 384));
                        float[] flat = new float[len * 384];
                        for (int t = 0; t < len; t++) System.arraycopy(ref[s][t], 0, flat, t * 384, 384);
                        float[] e = Pooling.l2Normalize(Pooling.MEAN.pool(flat, 384));
                        double dot = 0;
                        for (int d = 0; d < 384; d++) dot += a[d] * e[d];
                        minCos = Math.min(minCos, dot);
                    }
                }
            }
        }
        System.out.printf("MiniLM vs ONNX Runtime over %d texts: max |hidden diff| = %.3g, min cosine = %.8f%n", texts.size(), maxDiff, minCos);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
        assertThat(minCos).isGreaterThanOrEqualTo(0.99999);
    }

    /** ORT on a right-padded batch; returns [seq][token][hidden] (padding rows included). */
    static float[][][] runOrt(OrtEnvironment env, OrtSession session, List<int[]> part) throws Exception {
        int n = part.size(), t = part.stream().mapToInt(a -> a.length).max().orElse(0);
        t = Math.max(t, 1);
        long[][] in = new long[n][t], mask = new long[n][t], types = new long[n][t];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < part.get(s).length; i++) {
                in[s][i] = part.get(s)[i];
                mask[s][i] = 1;
            }
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OnnxTensor a = OnnxTensor.createTensor(env, in); OnnxTensor b = OnnxTensor.createTensor(env, mask);
             OnnxTensor c = OnnxTensor.createTensor(env, types)) {
            inputs.put("input_ids", a);
            inputs.put("attention_mask", b);
            if (session.getInputNames().contains("token_type_ids")) inputs.put("token_type_ids", c);
            try (OrtSession.Result r = session.run(inputs)) {
                return (float[][][]) r.get(0).getValue();
            }
        }
    }
}
