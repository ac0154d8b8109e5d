package dev.jllm.serve;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.tokenizer.chat.ChatTemplate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The test model: jllm-models' tiny reference Llama (2 layers, 64 dims, its own 1000-token
 * byte-level BPE) rewritten with a longer context (RoPE has no position limit) and a chat
 * template of the Hermes/Qwen style, which renders tools and {@code <tool_call>} blocks.
 * Written once per JVM under target/.
 */
final class TinyChatModel {
    static final Path SOURCE = Path.of("../jllm-models/src/test/resources/models/llama-tiny/model.gguf");
    static final int CONTEXT = 1024;

    /** A tool-aware template in the style Qwen 2.5 and Hermes models ship. */
    static final String TEMPLATE = """
            {%- if tools %}
            {{- '<|im_start|>system\\n' }}
            {%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
            {{- '# Tools\\n<tools>' }}
            {%- for tool in tools %}{{- '\\n' + (tool | tojson) }}{%- endfor %}
            {{- '\\n</tools>\\nTo call a function, reply with <tool_call>{"name": ..., "arguments": {...}}</tool_call><|im_end|>\\n' }}
            {%- elif messages[0].role == 'system' %}
            {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
            {%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
            {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
            {%- elif message.role == 'assistant' %}
            {{- '<|im_start|>assistant\\n' }}
            {%- if message.content %}{{- message.content }}{%- endif %}
            {%- if message.tool_calls %}
            {%- for tc in message.tool_calls %}
            {{- '<tool_call>{"name": "' + tc.function.name + '", "arguments": ' + (tc.function.arguments | tojson) + '}</tool_call>' }}
            {%- endfor %}
            {%- endif %}
            {{- '<|im_end|>\\n' }}
            {%- elif message.role == 'tool' %}
            {{- '<|im_start|>user\\n<tool_response>' + message.content + '</tool_response><|im_end|>\\n' }}
            {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}""";

    private static Path written;

    private TinyChatModel() {}

    static synchronized Path path() throws IOException {
        if (written != null) return written;
        Path out = Path.of("target/test-models/tiny-chat.gguf");
        Files.createDirectories(out.getParent());
        try (GgufFile src = GgufFile.open(SOURCE)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : src.typedMetadata().entrySet()) {
                if (e.getKey().equals("general.alignment")) continue;
                w.put(e.getKey(), e.getValue());
            }
            w.put("llama.context_length", GgufValue.uint32(CONTEXT));
            w.put("general.name", GgufValue.string("tiny-chat"));
            w.put(ChatTemplate.GGUF_KEY, GgufValue.string(TEMPLATE));
            for (String name : src.tensorInfos().keySet()) w.addTensor(name, src.tensor(name));
            w.write(out);
        }
        written = out;
        return out;
    }
}
