package dev.jllm.models;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bge-small-en-v1.5 (CLS pooling) and e5-small-v2 (mean pooling), 12 layers each, loaded by
 * name through {@link Encoder#named}, against ONNX Runtime running the same .onnx: hidden states
 * and the pooled, normalized embeddings on varied inputs (empty, non-Latin, truncated at 512).
 */
class PretrainedEncodersOnnxRuntimeTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"bge-small", "e5-small"})
    void embeddingsMatchOnnxRuntime(String name) throws Exception {
        PretrainedEncoders p = PretrainedEncoders.KNOWN.get(name);
        Encoder enc = Encoder.named(name, null, true);
        assertThat(enc.dim()).isEqualTo(384);
        Path onnx = dir.resolve(name + ".onnx");
        p.extract(onnx);
        List<String> all = BertOnnxRuntimeTest.corpus();
        List<String> texts = new ArrayList<>(all.subList(0, 30));
        texts.add(all.stream().filter(t -> t.length() > 5000).findFirst().orElseThrow()); // truncated at 512 tokens
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) ids.add(enc.tokenize(t));
        assertThat(ids.getLast()).hasSize(512);

        double maxDiff = 0, minCos = 1;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(onnx.toString(), o)) {
                for (int b0 = 0; b0 < ids.size(); b0 += 8) {
                    List<int[]> part = ids.subList(b0, Math.min(ids.size(), b0 + 8));
                    float[][] ours = enc.model().encode(part, null);
                    float[][][] ref = BertOnnxRuntimeTest.runOrt(env, session, part);
                    for (int s = 0; s < part.size(); s++) {
                        int len = part.get(s).length;
                        float[] flat = new float[len * 384];
                        for (int t = 0; t < len; t++) {
                            System.arraycopy(ref[s][t], 0, flat, t * 384, 384);
                            for (int d = 0; d < 384; d++) maxDiff = Math.max(maxDiff, Math.abs(ours[s][t * 384 + d] - ref[s][t][d]));
                        }
                        float[] a = Pooling.l2Normalize(p.pooling().pool(ours[s], 384));
                        float[] e = Pooling.l2Normalize(p.pooling().pool(flat, 384));
                        double dot = 0;
                        for (int d = 0; d < 384; d++) dot += a[d] * e[d];
                        minCos = Math.min(minCos, dot);
                    }
                }
            }
        }
        System.out.printf("%s vs ONNX Runtime over %d texts: max |hidden diff| = %.3g, min cosine = %.8f%n", name, texts.size(), maxDiff, minCos);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
        assertThat(minCos).isGreaterThanOrEqualTo(0.99999);
        // The public API pools as the model card says.
        float[] v = enc.embed(List.of(texts.get(10)))[0];
        float[] w = Pooling.l2Normalize(p.pooling().pool(enc.model().encode(List.of(ids.get(10)), null)[0], 384));
        assertThat(v).containsExactly(w);
    }
}
