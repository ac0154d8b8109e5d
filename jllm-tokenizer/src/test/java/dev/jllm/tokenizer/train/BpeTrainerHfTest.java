package dev.jllm.tokenizer.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * jllm's BPE trainer against Hugging Face tokenizers (goldens from tools/bpe-train/check_with_hf.mjs):
 * the same merges as HF's own trainer on a Brown slice, and a trained tokenizer.json that HF loads
 * and encodes held-out text with exactly the ids jllm's encoder gives.
 */
class BpeTrainerHfTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRAIN_DOCS = 20;

    /** The slice check_with_hf.mjs trains on: Brown documents [0, 20), each + "\n", read as lines. */
    static List<String> brownSlice() throws IOException {
        List<String> docs = TrainingCorpus.read(brownCorpus());
        StringBuilder sb = new StringBuilder();
        for (String d : docs.subList(0, TRAIN_DOCS)) sb.append(d).append('\n');
        return TrainingCorpus.linesWithEndings(sb.toString());
    }

    static Path brownCorpus() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("data/brown.jsonl.gz");
            if (Files.isRegularFile(c)) return c;
        }
        throw new IllegalStateException("data/brown.jsonl.gz not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void learnsTheSameMergesAsHuggingFaceTrainer() throws IOException {
        JsonNode golden = resource("hf_trainer_merges.json");
        List<String> expected = new ArrayList<>();
        golden.get("merges").forEach(m -> expected.add(m.asText()));
        TrainedBpe t = new BpeTrainer(BpeTrainer.Options.of(256 + expected.size()).withThreads(2)).train(brownSlice());
        List<String> got = t.merges().stream().map(m -> m[0] + " " + m[1]).toList();
        assertThat(got).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(got.get(i)).as("merge #%d", i).isEqualTo(expected.get(i));
        }
    }

    /** The committed fixture is what `jllm train-tokenizer` makes from the slice (deterministic output). */
    @Test
    void committedTokenizerJsonIsWhatTheTrainerWrites() throws IOException {
        TrainedBpe t = new BpeTrainer(new BpeTrainer.Options(1000, 2, List.of("<|endoftext|>"), SplitPatterns.GPT2, 2))
                .train(brownSlice());
        assertThat(t.toTokenizerJson()).isEqualTo(resource("brown_1k.tokenizer.json"));
    }

    @Test
    void encodesHeldOutTextWithHuggingFaceIds() throws IOException {
        Tokenizer tok;
        try (InputStream in = BpeTrainerHfTest.class.getResourceAsStream("/train/brown_1k.tokenizer.json")) {
            tok = Tokenizers.fromTokenizerJson(JSON.readTree(in));
        }
        JsonNode golden = resource("brown_1k.encodings.json");
        assertThat(tok.vocabSize()).isEqualTo(golden.get("vocab_size").asInt());
        int n = 0;
        for (JsonNode c : golden.get("cases")) {
            String text = c.get("text").asText();
            int[] expected = JSON.convertValue(c.get("ids"), int[].class);
            assertThat(tok.encode(text, false, true)).as("%s", text).containsExactly(expected);
            assertThat(tok.decode(expected)).isEqualTo(text);
            n++;
        }
        assertThat(n).isGreaterThan(300);
    }

    private static JsonNode resource(String name) throws IOException {
        try (InputStream in = BpeTrainerHfTest.class.getResourceAsStream("/train/" + name)) {
            if (in == null) throw new IOException("missing test resource train/" + name);
            return JSON.readTree(in);
        }
    }
}
