package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.tokenizer.TiktokenEncoding;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jllm tokenize}: text → token ids and pieces with a model's tokenizer. */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
                "Encode text with a tokenizer and print the ids and pieces.",
                "Tokenizers: a tokenizer.json (or .json.gz), a <encoding>.tiktoken rank file,",
                "a tiktoken encoding name (r50k_base, p50k_base, cl100k_base, o200k_base),",
                "a .gguf model or a model directory holding tokenizer.json.",
                "Special-token text such as <|eot_id|> is matched as the special token."})
final class TokenizeCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--tokenizer", paramLabel = "FILE|NAME", required = true,
                description = "tokenizer.json, <encoding>.tiktoken or a tiktoken encoding name.")
        String tokenizer;

        @Option(names = {"-m", "--model"}, paramLabel = "MODEL", required = true,
                description = "A .gguf file or a directory holding tokenizer.json.")
        Path model;
    }

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", required = true, description = "The text to encode.")
        String text;

        @Option(names = "--file", paramLabel = "FILE", required = true, description = "A UTF-8 file to encode.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--json", description = "Print {\"ids\":[...], \"tokens\":[...]} (tokens as stored in the vocabulary).")
    boolean json;

    @Option(names = "--add-special", description = "Add what the model's template adds (BOS for Llama 3, [CLS]/[SEP] for BERT).")
    boolean addSpecial;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Tokenizer tok = load();
        String text = input.text != null ? input.text : readFile(input.file);
        int[] ids = tok.encode(text, addSpecial, true);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            ArrayNode a = o.putArray("ids");
            ArrayNode t = o.putArray("tokens");
            for (int id : ids) {
                a.add(id);
                t.add(tok.piece(id));
            }
            out.println(om.writeValueAsString(o));
        } else {
            out.println(ids.length + " tokens");
            for (int id : ids) {
                String shown = tok.isSpecial(id) ? tok.piece(id) : tok.decode(new int[]{id});
                out.printf("%8d  %-24s %s%n", id, quote(shown), tok.isSpecial(id) ? "(special)" : tok.piece(id));
            }
        }
        out.flush();
        return 0;
    }

    private Tokenizer load() throws IOException {
        if (source.model != null) {
            Path m = source.model;
            if (!Files.exists(m)) throw new NoSuchFileException(m.toString(), null, "model not found");
            if (Files.isDirectory(m)) return Tokenizers.load(m);
            if (m.getFileName().toString().endsWith(".gguf")) {
                try (GgufFile g = GgufFile.open(m)) {
                    return Tokenizers.fromGgufMetadata(g.metadata());
                }
            }
            throw new IllegalArgumentException(m + ": expected a .gguf file or a directory with tokenizer.json");
        }
        String t = source.tokenizer;
        Path p = Path.of(t);
        if (Files.exists(p)) return Tokenizers.load(p);
        if (!t.contains("/") && !t.contains(".")) return TiktokenEncoding.fromClasspath(t);
        throw new NoSuchFileException(t, null, "tokenizer file not found");
    }

    private static String readFile(Path f) throws IOException {
        if (!Files.exists(f)) throw new NoSuchFileException(f.toString(), null, "input file not found");
        return Files.readString(f, StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7F) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
