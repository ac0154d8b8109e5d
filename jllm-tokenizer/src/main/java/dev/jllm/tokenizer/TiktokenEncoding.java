package dev.jllm.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's tiktoken encodings: a {@code .tiktoken} rank file (one "base64-token rank" per line)
 * plus a split pattern and special tokens. The four public encodings are described here; their
 * rank files are not bundled with jllm (jtokkit's jar carries them, see
 * {@link #fromClasspath(String)}).
 */
public record TiktokenEncoding(String name, String pattern, Map<String, Integer> specialTokens) {

    public static final TiktokenEncoding R50K_BASE = new TiktokenEncoding("r50k_base", PreTokenizer.GPT2,
            Map.of("<|endoftext|>", 50256));
    public static final TiktokenEncoding P50K_BASE = new TiktokenEncoding("p50k_base", PreTokenizer.GPT2,
            Map.of("<|endoftext|>", 50256));
    public static final TiktokenEncoding CL100K_BASE = new TiktokenEncoding("cl100k_base", PreTokenizer.CL100K,
            Map.of("<|endoftext|>", 100257, "<|fim_prefix|>", 100258, "<|fim_middle|>", 100259,
                    "<|fim_suffix|>", 100260, "<|endofprompt|>", 100276));
    public static final TiktokenEncoding O200K_BASE = new TiktokenEncoding("o200k_base", PreTokenizer.O200K,
            Map.of("<|endoftext|>", 199999, "<|endofprompt|>", 200018));

    public TiktokenEncoding {
        specialTokens = Map.copyOf(specialTokens);
    }

    public static TiktokenEncoding named(String name) {
        return switch (name) {
            case "r50k_base", "gpt2" -> R50K_BASE;
            case "p50k_base" -> P50K_BASE;
            case "cl100k_base" -> CL100K_BASE;
            case "o200k_base" -> O200K_BASE;
            default -> throw new IllegalArgumentException("unknown tiktoken encoding '" + name
                    + "' (known: r50k_base, p50k_base, cl100k_base, o200k_base)");
        };
    }

    /** Loads this encoding's ranks from a {@code .tiktoken} stream. */
    public ByteLevelBpe load(InputStream ranks) throws IOException {
        return Tokenizers.fromTiktoken(ranks, pattern, specialTokens);
    }

    /**
     * Loads {@code <name>.tiktoken} from the classpath: from the root or from
     * {@code com/knuddels/jtokkit/} (where jtokkit's jar keeps them).
     */
    public static ByteLevelBpe fromClasspath(String name) throws IOException {
        TiktokenEncoding enc = named(name);
        for (String path : new String[]{"/" + enc.name + ".tiktoken", "/com/knuddels/jtokkit/" + enc.name + ".tiktoken"}) {
            try (InputStream in = TiktokenEncoding.class.getResourceAsStream(path)) {
                if (in != null) return enc.load(in);
            }
        }
        throw new IOException("no " + enc.name + ".tiktoken on the classpath (add com.knuddels:jtokkit, "
                + "or load the rank file with Tokenizers.fromTiktoken)");
    }

    /** Parses a rank file into the byte-level vocabulary, indexed by rank (null for unused ranks). */
    static String[] readRanks(InputStream in) throws IOException {
        List<String> byRank = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII), 1 << 16);
        String line;
        int lineNo = 0;
        Base64.Decoder b64 = Base64.getDecoder();
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isEmpty()) continue;
            int sp = line.indexOf(' ');
            if (sp <= 0) throw new IOException("tiktoken line " + lineNo + ": expected '<base64> <rank>', found '" + line + "'");
            byte[] bytes;
            int rank;
            try {
                bytes = b64.decode(line.substring(0, sp));
                rank = Integer.parseInt(line.substring(sp + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IOException("tiktoken line " + lineNo + ": " + e.getMessage() + " in '" + line + "'", e);
            }
            if (rank < 0) throw new IOException("tiktoken line " + lineNo + ": negative rank " + rank);
            String piece = ByteLevelBpeAlphabet.encode(bytes);
            Integer before = seen.putIfAbsent(piece, rank);
            if (before != null) throw new IOException("tiktoken line " + lineNo + ": token already has rank " + before);
            while (byRank.size() <= rank) byRank.add(null);
            if (byRank.get(rank) != null) throw new IOException("tiktoken line " + lineNo + ": rank " + rank + " appears twice");
            byRank.set(rank, piece);
        }
        if (byRank.isEmpty()) throw new IOException("tiktoken rank file is empty");
        return byRank.toArray(String[]::new);
    }
}
