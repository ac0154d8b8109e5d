package dev.jllm.tokenizer.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * Learns a byte-level BPE vocabulary from text, the way Hugging Face tokenizers' BpeTrainer does,
 * so that the same corpus and settings give the same merges in the same order:
 * <ol>
 * <li>cut texts into words with the split regex and count the distinct words (in parallel);</li>
 * <li>vocabulary = special tokens, then the 256 byte symbols in character order;</li>
 * <li>count every adjacent symbol pair, weighted by word frequency, and note which words hold it;</li>
 * <li>repeatedly merge the most frequent pair (ties: the pair with the smaller ids), updating only
 *     the counts of the words that hold it; a priority queue with lazy re-insertion finds the best
 *     pair without recounting everything after each merge.</li>
 * </ol>
 */
public final class BpeTrainer {

    /** Progress callback: called after word counting and after each merge. */
    public interface Progress {
        void wordsCounted(int distinctWords, long totalWords);

        void merged(int mergesDone, int mergesTarget);

        Progress NONE = new Progress() {
            @Override
            public void wordsCounted(int distinctWords, long totalWords) {
            }

            @Override
            public void merged(int mergesDone, int mergesTarget) {
            }
        };
    }

    /**
     * @param vocabSize     total vocabulary size, special tokens and the 256 byte symbols included
     * @param minFrequency  stop when the best pair occurs fewer times than this (at least 1)
     * @param specialTokens added first, ids 0..n-1, cut out of the training text
     * @param splitPattern  the pre-tokenizer regex (see {@link SplitPatterns})
     * @param threads       threads for word counting
     */
    public record Options(int vocabSize, long minFrequency, List<String> specialTokens, String splitPattern, int threads) {
        public Options {
            specialTokens = List.copyOf(specialTokens);
            Objects.requireNonNull(splitPattern, "splitPattern");
            if (minFrequency < 1) throw new IllegalArgumentException("minFrequency must be >= 1, found " + minFrequency);
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, found " + threads);
            if (new java.util.HashSet<>(specialTokens).size() != specialTokens.size()) {
                throw new IllegalArgumentException("duplicate special tokens: " + specialTokens);
            }
            for (String s : specialTokens) {
                if (s.isEmpty()) throw new IllegalArgumentException("a special token is empty");
            }
            int floor = specialTokens.size() + 256;
            if (vocabSize < floor) {
                throw new IllegalArgumentException("vocabSize " + vocabSize + " is below " + floor
                        + " (the 256 byte symbols plus " + specialTokens.size() + " special tokens)");
            }
        }

        public static Options of(int vocabSize) {
            return new Options(vocabSize, 1, List.of(), SplitPatterns.GPT2,
                    Math.max(1, Runtime.getRuntime().availableProcessors()));
        }

        public Options withSpecialTokens(List<String> tokens) {
            return new Options(vocabSize, minFrequency, tokens, splitPattern, threads);
        }

        public Options withMinFrequency(long min) {
            return new Options(vocabSize, min, specialTokens, splitPattern, threads);
        }

        public Options withSplitPattern(String regex) {
            return new Options(vocabSize, minFrequency, specialTokens, regex, threads);
        }

        public Options withThreads(int n) {
            return new Options(vocabSize, minFrequency, specialTokens, splitPattern, n);
        }
    }

    private final Options options;

    public BpeTrainer(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public TrainedBpe train(List<String> texts) {
        return train(texts, Progress.NONE);
    }

    public TrainedBpe train(List<String> texts, Progress progress) {
        WordCounter counter = new WordCounter(SplitPatterns.compile(options.splitPattern()), options.specialTokens());
        Map<String, Long> wordCounts = counter.count(texts, options.threads());
        long total = 0;
        for (long n : wordCounts.values()) total += n;
        progress.wordsCounted(wordCounts.size(), total);
        return train(wordCounts, progress);
    }

    /** Trains from word counts (keys are byte-level strings, as {@link ByteLevelSymbols#encode} makes). */
    public TrainedBpe train(Map<String, Long> wordCounts, Progress progress) {
        List<String> idToToken = new ArrayList<>();
        Map<String, Integer> tokenToId = new HashMap<>();
        for (String s : options.specialTokens()) add(s, idToToken, tokenToId);
        TreeSet<Character> alphabet = new TreeSet<>();
        for (int b = 0; b < 256; b++) alphabet.add(ByteLevelSymbols.of(b));
        for (char c : alphabet) {
            if (tokenToId.containsKey(String.valueOf(c))) {
                throw new IllegalArgumentException("special token \"" + c + "\" collides with a byte symbol");
            }
            add(String.valueOf(c), idToToken, tokenToId);
        }

        Corpus corpus = new Corpus(wordCounts, tokenToId);
        int target = options.vocabSize() - idToToken.size();
        List<int[]> merges = new ArrayList<>();
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        corpus.pairs.forEach((key, stat) -> {
            if (stat.count > 0) queue.add(new Candidate(stat.count, key));
        });
        while (idToToken.size() < options.vocabSize() && !queue.isEmpty()) {
            Candidate top = queue.poll();
            PairStat stat = corpus.pairs.get(top.pair);
            if (top.count != stat.count) { // stale: counts only fall for pairs already queued
                if (stat.count > 0) queue.add(new Candidate(stat.count, top.pair));
                continue;
            }
            if (top.count < options.minFrequency()) break;
            int left = (int) (top.pair >>> 32);
            int right = (int) top.pair;
            String merged = idToToken.get(left) + idToToken.get(right);
            Integer existing = tokenToId.get(merged); // "ab"+"c" and "a"+"bc" give one token
            int newId = existing != null ? existing : add(merged, idToToken, tokenToId);
            merges.add(new int[]{left, right});
            for (long created : corpus.merge(top.pair, stat, newId)) {
                PairStat s = corpus.pairs.get(created);
                if (s.count > 0) queue.add(new Candidate(s.count, created));
            }
            progress.merged(merges.size(), target);
        }
        List<String[]> mergeStrings = new ArrayList<>(merges.size());
        for (int[] m : merges) mergeStrings.add(new String[]{idToToken.get(m[0]), idToToken.get(m[1])});
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < idToToken.size(); i++) vocab.put(idToToken.get(i), i);
        return new TrainedBpe(vocab, mergeStrings, options.specialTokens(), options.splitPattern());
    }

    private static int add(String token, List<String> idToToken, Map<String, Integer> tokenToId) {
        int id = idToToken.size();
        idToToken.add(token);
        tokenToId.put(token, id);
        return id;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** Queue entry: higher count first, then the smaller (left, right) pair, as HF orders its merges. */
    private record Candidate(long count, long pair) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (count != o.count) return Long.compare(o.count, count);
            return Long.compare(pair, o.pair); // ids are non-negative, so the long compares (left, right)
        }
    }

    /** How often a pair occurs (weighted by word counts) and which words may hold it. */
    private static final class PairStat {
        long count;
        int[] words = new int[4];
        int size;

        void addWord(int w) {
            if (size > 0 && words[size - 1] == w) return;
            if (size == words.length) words = Arrays.copyOf(words, size * 2);
            words[size++] = w;
        }
    }

    /** The distinct words as symbol-id arrays with their counts, and the pair index over them. */
    private static final class Corpus {
        final int[][] symbols;
        final int[] lengths;
        final long[] counts;
        final HashMap<Long, PairStat> pairs = new HashMap<>();
        final int[] visited; // merge number that last visited each word
        int mergeNo;

        Corpus(Map<String, Long> wordCounts, Map<String, Integer> tokenToId) {
            int n = wordCounts.size();
            symbols = new int[n][];
            lengths = new int[n];
            counts = new long[n];
            visited = new int[n];
            int w = 0;
            for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
                String word = e.getKey();
                int[] s = new int[word.length()];
                for (int i = 0; i < s.length; i++) {
                    Integer id = tokenToId.get(String.valueOf(word.charAt(i)));
                    if (id == null) {
                        throw new IllegalArgumentException("word \"" + word + "\" has a character that is not a byte symbol at " + i);
                    }
                    s[i] = id;
                }
                symbols[w] = s;
                lengths[w] = s.length;
                counts[w] = e.getValue();
                for (int i = 0; i + 1 < s.length; i++) {
                    PairStat st = pairs.computeIfAbsent(key(s[i], s[i + 1]), k -> new PairStat());
                    st.count += counts[w];
                    st.addWord(w);
                }
                w++;
            }
        }

        /**
         * Replaces (left, right) by {@code newId} in every word holding it, left to right without
         * overlap, and updates pair counts from those words only. Returns the pairs that gained
         * occurrences (all contain {@code newId}).
         */
        java.util.Set<Long> merge(long pair, PairStat stat, int newId) {
            mergeNo++;
            int left = (int) (pair >>> 32);
            int right = (int) pair;
            java.util.Set<Long> created = new java.util.HashSet<>();
            int[] holders = Arrays.copyOf(stat.words, stat.size);
            for (int w : holders) {
                if (visited[w] == mergeNo) continue;
                visited[w] = mergeNo;
                int[] s = symbols[w];
                int len = lengths[w];
                if (!contains(s, len, left, right)) continue;
                long c = counts[w];
                for (int i = 0; i + 1 < len; i++) pairs.get(key(s[i], s[i + 1])).count -= c;
                int out = 0;
                for (int i = 0; i < len; i++) {
                    if (i + 1 < len && s[i] == left && s[i + 1] == right) {
                        s[out++] = newId;
                        i++;
                    } else {
                        s[out++] = s[i];
                    }
                }
                lengths[w] = out;
                for (int i = 0; i + 1 < out; i++) {
                    long k = key(s[i], s[i + 1]);
                    PairStat st = pairs.get(k);
                    if (st == null) {
                        st = new PairStat();
                        pairs.put(k, st);
                    }
                    st.count += c;
                    if (s[i] == newId || s[i + 1] == newId) {
                        st.addWord(w);
                        created.add(k);
                    }
                }
            }
            return created;
        }

        private static boolean contains(int[] s, int len, int a, int b) {
            for (int i = 0; i + 1 < len; i++) if (s[i] == a && s[i + 1] == b) return true;
            return false;
        }
    }
}
