package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.formats.safetensors.SafetensorsWriter;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class InspectCommandTest {
    @TempDir Path dir;

    private record Run(int code, String out) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        int code = cl.execute(args);
        return new Run(code, out.toString());
    }

    private Path gguf() throws Exception {
        String[] vocab = new String[1000];
        for (int i = 0; i < vocab.length; i++) vocab[i] = i == 1 ? "\"" : "t" + i;
        vocab[0] = "!";
        Path p = dir.resolve("m.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("llama"))
                .put("llama.block_count", GgufValue.uint32(2))
                .put("tokenizer.ggml.tokens", GgufValue.strings(vocab))
                .put("big", GgufValue.uint64(-1))
                .addTensor("token_embd.weight", Tensor.zeros(1000, 8))
                .addTensor("blk.0.ffn_up.weight", Tensor.allocate(DType.Q8_0, 16, 32))
                .write(p);
        return p;
    }

    @Test
    void textShowsFormatMetadataAndTensorTable() throws Exception {
        Run r = run("inspect", gguf().toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("GGUF v3 (alignment 32")
                .contains("tokenizer.ggml.tokens  ARRAY<STRING>  [1000 strings: \"!\", \"\\\"\", \"t2\", \"t3\", \"t4\", \"t5\", …]")
                .contains("llama.block_count      UINT32         2")
                .contains("big                    UINT64         18446744073709551615")
                .containsPattern("token_embd\\.weight\\s+F32\\s+\\[1000, 8\\]\\s+32000\\s+\\d+")
                .containsPattern("blk\\.0\\.ffn_up\\.weight\\s+Q8_0\\s+\\[16, 32\\]\\s+544");
    }

    @Test
    void jsonHasTheDocumentedShape() throws Exception {
        Run r = run("inspect", "--json", "--items", "3", gguf().toString());
        assertThat(r.code()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("format").asText()).isEqualTo("gguf");
        assertThat(j.get("metadata").get("llama.block_count").asLong()).isEqualTo(2);
        assertThat(j.get("metadata").get("big").bigIntegerValue().toString()).isEqualTo("18446744073709551615");
        JsonNode tokens = j.get("metadata").get("tokenizer.ggml.tokens");
        assertThat(tokens.get("length").asInt()).isEqualTo(1000);
        assertThat(tokens.get("head")).hasSize(3);
        JsonNode t = j.get("tensors").get(0);
        assertThat(t.get("name").asText()).isEqualTo("token_embd.weight");
        assertThat(t.get("dtype").asText()).isEqualTo("F32");
        assertThat(t.get("shape").toString()).isEqualTo("[1000,8]");
        assertThat(t.get("bytes").asLong()).isEqualTo(32000);
        assertThat(t.get("offset").asLong()).isPositive();
        JsonNode full = new ObjectMapper().readTree(run("inspect", "--json", "--full", gguf().toString()).out());
        assertThat(full.get("metadata").get("tokenizer.ggml.tokens")).hasSize(1000);
    }

    @Test
    void safetensorsDirectoryWithConfig() throws Exception {
        Path model = Files.createDirectories(dir.resolve("hf"));
        Files.writeString(model.resolve("config.json"), "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\","
                + "\"hidden_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"vocab_size\":10}");
        new SafetensorsWriter().putMetadata("format", "pt").add("model.embed_tokens.weight", Tensor.zeros(10, 8))
                .writeSharded(model, 1);
        Run r = run("inspect", model.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("safetensors, 1 shard(s)").contains("config:   LlamaForCausalLM (llama): hidden 8")
                .contains("model-00001-of-00001.safetensors@");
    }

    @Test
    void badFilesGiveAClearErrorAndExitCode() throws Exception {
        Path bad = Files.write(dir.resolve("bad.gguf"), new byte[] {'G', 'G', 'U', 'F', 9, 0, 0, 0});
        Run r = run("inspect", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("jllm: " + bad + ": at byte 4: unsupported GGUF version 9");
    }
}
