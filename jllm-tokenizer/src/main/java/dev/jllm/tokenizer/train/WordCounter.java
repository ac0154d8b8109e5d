package dev.jllm.tokenizer.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts texts into words with the split regex and counts each distinct word (as its byte-level
 * string). Special tokens are cut out first, so their characters never reach the statistics, as
 * in Hugging Face tokenizers where added tokens are split off before pre-tokenization.
 * Texts are counted in parallel, one map per chunk of texts, then summed.
 */
final class WordCounter {
    private final Pattern split;
    private final Pattern specials; // null when there are none

    WordCounter(Pattern split, List<String> specialTokens) {
        this.split = split;
        if (specialTokens.isEmpty()) {
            this.specials = null;
        } else {
            StringBuilder alt = new StringBuilder();
            // Longest first, so a special token that contains another wins.
            specialTokens.stream().sorted((a, b) -> b.length() - a.length()).forEach(t -> {
                if (!alt.isEmpty()) alt.append('|');
                alt.append(Pattern.quote(t));
            });
            this.specials = Pattern.compile(alt.toString());
        }
    }

    Map<String, Long> count(List<String> texts, int threads) {
        if (threads <= 1 || texts.size() < 2) return countChunk(texts);
        int chunks = Math.min(texts.size(), threads * 4);
        List<List<String>> parts = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            parts.add(texts.subList((int) ((long) texts.size() * c / chunks), (int) ((long) texts.size() * (c + 1) / chunks)));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bpe-word-count");
            t.setDaemon(true);
            return t;
        })) {
            List<Future<Map<String, Long>>> futures = new ArrayList<>();
            for (List<String> part : parts) futures.add(pool.submit(() -> countChunk(part)));
            Map<String, Long> total = new HashMap<>();
            for (Future<Map<String, Long>> f : futures) {
                f.get().forEach((w, n) -> total.merge(w, n, Long::sum));
            }
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("word counting interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("word counting failed: " + e.getCause(), e.getCause());
        }
    }

    private Map<String, Long> countChunk(List<String> texts) {
        Map<String, Long> counts = new HashMap<>();
        for (String text : texts) {
            if (specials == null) {
                countSegment(text, counts);
                continue;
            }
            Matcher m = specials.matcher(text);
            int from = 0;
            while (m.find()) {
                countSegment(text.substring(from, m.start()), counts);
                from = m.end();
            }
            countSegment(text.substring(from), counts);
        }
        return counts;
    }

    private void countSegment(String segment, Map<String, Long> counts) {
        if (segment.isEmpty()) return;
        Matcher m = split.matcher(segment);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) add(segment.substring(last, m.start()), counts); // text the regex skipped
            if (m.end() > m.start()) add(segment.substring(m.start(), m.end()), counts);
            last = m.end();
        }
        if (last < segment.length()) add(segment.substring(last), counts);
    }

    private static void add(String word, Map<String, Long> counts) {
        counts.merge(ByteLevelSymbols.encode(word), 1L, Long::sum);
    }
}
