package dev.jllm.models;

import dev.jllm.formats.WeightFile;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.nn.Embedding;
import dev.jllm.nn.FusedQkvAttention;
import dev.jllm.nn.GeluFeedForward;
import dev.jllm.nn.LayerNorm;
import dev.jllm.nn.Linear;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Elementwise;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * GPT-2: learned absolute position embeddings added to the token embeddings, pre-LayerNorm
 * blocks (LayerNorm with bias), multi-head attention with one fused q/k/v projection (biases
 * everywhere, no RoPE), a GELU (tanh form) MLP, a final LayerNorm and an output projection tied
 * to the token embedding unless the file has its own ({@code output.weight}).
 *
 * <p>From GGUF ({@code general.architecture = gpt2}, llama.cpp's names, weights [out, in]) or
 * from a Hugging Face checkpoint, whose Conv1D weights are stored [in, out] and are transposed
 * (to F32) on load.
 */
public final class Gpt2 implements PagedCausalLM {

    /** Hyper-parameters, with llama.cpp's GGUF keys ({@code gpt2.*}) or HF's config.json names. */
    public record Config(int dim, int layers, int heads, int ffn, int vocab, int context, float eps) {
        static Config fromGguf(GgufFile g) {
            int dim = (int) g.integer("gpt2.embedding_length");
            Tensor emb = g.tensor("token_embd.weight");
            return new Config(dim, (int) g.integer("gpt2.block_count"), (int) g.integer("gpt2.attention.head_count"),
                    (int) g.integer("gpt2.feed_forward_length", 4L * dim), (int) g.integer("gpt2.vocab_size", emb.dim(0)),
                    (int) g.integer("gpt2.context_length"), (float) g.number("gpt2.attention.layer_norm_epsilon", 1e-5));
        }

        static Config fromHf(HfConfig h, int vocab) {
            return new Config(h.hiddenSize(), h.numHiddenLayers(), h.numAttentionHeads(),
                    h.intermediateSize() != null ? h.intermediateSize() : 4 * h.hiddenSize(),
                    h.vocabSize() != null ? h.vocabSize() : vocab,
                    h.maxPositionEmbeddings() != null ? h.maxPositionEmbeddings() : 1024,
                    (float) (h.layerNormEps() != null ? h.layerNormEps() : 1e-5));
        }
    }

    private record Block(LayerNorm attnNorm, FusedQkvAttention attn, LayerNorm ffnNorm, GeluFeedForward ffn) {}

    private final Config c;
    private final Embedding tokens;
    private final Tensor positions;
    private final Block[] blocks;
    private final LayerNorm outputNorm;
    private final Linear output;

    private Gpt2(Config c, Embedding tokens, Tensor positions, Block[] blocks, LayerNorm outputNorm, Linear output) {
        this.c = c;
        this.tokens = tokens;
        this.positions = positions;
        this.blocks = blocks;
        this.outputNorm = outputNorm;
        this.output = output;
    }

    /** Weights by llama.cpp name, checked for shape; {@code hf} maps names and transposes Conv1D weights. */
    private interface Weights {
        Tensor matrix(String name, int rows, int cols);
        float[] vector(String name, int n);
        boolean has(String name);
    }

    public static Gpt2 fromGguf(GgufFile g) {
        Config c = Config.fromGguf(g);
        Set<String> names = g.tensorInfos().keySet();
        return bind(c, new Weights() {
            @Override public Tensor matrix(String name, int rows, int cols) { return checked(g, name, get(g, names, name), rows, cols); }
            @Override public float[] vector(String name, int n) { return vec(g, name, get(g, names, name), n); }
            @Override public boolean has(String name) { return names.contains(name); }
        });
    }

    /** A Hugging Face GPT-2 checkpoint ({@code wte}, {@code h.N.attn.c_attn}, ..., optionally under {@code transformer.}). */
    public static Gpt2 fromHf(WeightFile w, HfConfig h) {
        Set<String> names = new HashSet<>();
        for (var e : w.entries()) names.add(e.name());
        String prefix = names.contains("transformer.wte.weight") ? "transformer." : "";
        Tensor wte = get(w, names, prefix + "wte.weight");
        Config c = Config.fromHf(h, wte.size(0));
        return bind(c, new Weights() {
            @Override public Tensor matrix(String name, int rows, int cols) {
                String hf = hfName(name, prefix);
                Tensor t = get(w, names, hf);
                if (!name.startsWith("blk.")) return checked(w, hf, t, rows, cols);
                // Conv1D keeps [in, out]: transpose into an F32 [out, in] copy.
                checked(w, hf, t, cols, rows);
                return Tensor.of(t.toFloatArray(), cols, rows).transpose(0, 1).contiguous();
            }
            @Override public float[] vector(String name, int n) { String hf = hfName(name, prefix); return vec(w, hf, get(w, names, hf), n); }
            @Override public boolean has(String name) { return names.contains(hfName(name, prefix)); }
        });
    }

    /** HF's name for a llama.cpp GPT-2 tensor name. */
    static String hfName(String gguf, String prefix) {
        switch (gguf) {
            case "token_embd.weight": return prefix + "wte.weight";
            case "position_embd.weight": return prefix + "wpe.weight";
            case "output_norm.weight": return prefix + "ln_f.weight";
            case "output_norm.bias": return prefix + "ln_f.bias";
            case "output.weight": return "lm_head.weight";
            default: break;
        }
        int dot = gguf.indexOf('.', 4);
        String layer = gguf.substring(4, dot), rest = gguf.substring(dot + 1);
        int s = rest.lastIndexOf('.');
        String part = switch (rest.substring(0, s)) {
            case "attn_norm" -> "ln_1";
            case "attn_qkv" -> "attn.c_attn";
            case "attn_output" -> "attn.c_proj";
            case "ffn_norm" -> "ln_2";
            case "ffn_up" -> "mlp.c_fc";
            case "ffn_down" -> "mlp.c_proj";
            default -> rest.substring(0, s);
        };
        return prefix + "h." + layer + "." + part + rest.substring(s);
    }

    private static Tensor get(WeightFile f, Set<String> names, String name) {
        if (!names.contains(name)) throw new IllegalArgumentException(f.path() + ": missing tensor " + name);
        return f.tensor(name);
    }

    private static Tensor checked(WeightFile f, String name, Tensor t, int rows, int cols) {
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new IllegalArgumentException(f.path() + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
        return t;
    }

    private static float[] vec(WeightFile f, String name, Tensor t, int n) {
        if (t.numel() != n) throw new IllegalArgumentException(f.path() + ": tensor " + name + " has " + t.numel() + " values, expected " + n);
        return t.toFloatArray();
    }

    private static Gpt2 bind(Config c, Weights w) {
        int d = c.dim();
        Block[] blocks = new Block[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            blocks[l] = new Block(
                    new LayerNorm(w.vector(p + "attn_norm.weight", d), w.vector(p + "attn_norm.bias", d), c.eps()),
                    new FusedQkvAttention(new Linear(w.matrix(p + "attn_qkv.weight", 3 * d, d), w.vector(p + "attn_qkv.bias", 3 * d)),
                            new Linear(w.matrix(p + "attn_output.weight", d, d), w.vector(p + "attn_output.bias", d)), c.heads()),
                    new LayerNorm(w.vector(p + "ffn_norm.weight", d), w.vector(p + "ffn_norm.bias", d), c.eps()),
                    new GeluFeedForward(new Linear(w.matrix(p + "ffn_up.weight", c.ffn(), d), w.vector(p + "ffn_up.bias", c.ffn())),
                            new Linear(w.matrix(p + "ffn_down.weight", d, c.ffn()), w.vector(p + "ffn_down.bias", d))));
        }
        Tensor emb = w.matrix("token_embd.weight", c.vocab(), d);
        Tensor out = w.has("output.weight") ? w.matrix("output.weight", c.vocab(), d) : emb; // GPT-2 ties them
        return new Gpt2(c, new Embedding(emb), w.matrix("position_embd.weight", c.context(), d), blocks,
                new LayerNorm(w.vector("output_norm.weight", d), w.vector("output_norm.bias", d), c.eps()), new Linear(out, null));
    }

    public Config config() { return c; }
    @Override public int vocabSize() { return c.vocab(); }
    @Override public int contextLength() { return c.context(); }

    /** An F32 cache; learned positions end at the context length, so the cache never needs more. */
    @Override
    public KvCache newState(int maxTokens) {
        return newState(maxTokens, DType.F32);
    }

    /** A cache of F32, F16 or Q8_0 elements (the latter two run through {@link #forwardBatch} over one block). */
    @Override
    public KvCache newState(int maxTokens, DType kvType) {
        return new KvCache(c.layers(), Math.min(maxTokens, c.context()), c.heads(), c.dim() / c.heads(), kvType);
    }

    @Override
    public void forward(int[] ids, int off, int n, ModelState state, float[] logits, boolean allLogits) {
        if (!(state instanceof KvCache kv)) throw new IllegalArgumentException("GPT-2 needs the KvCache from newState()");
        int pos0 = kv.length(), d = c.dim();
        if (n <= 0) throw new IllegalArgumentException("forward needs at least one token");
        if (pos0 + n > kv.capacity()) {
            throw new IllegalArgumentException("the sequence would reach " + (pos0 + n) + " tokens but the cache holds " + kv.capacity()
                    + (pos0 + n > c.context() ? " (GPT-2 has learned positions for " + c.context() + " only)" : ""));
        }
        int rows = allLogits ? n : 1;
        if (logits.length < rows * c.vocab()) {
            throw new IllegalArgumentException("logits array holds " + logits.length + " floats, needs " + rows * c.vocab());
        }
        checkIds(ids, off, n);
        if (kv.packed != null) { // F16/Q8_0 elements: the paged path over one block
            forwardBatch(new PagedBatch().add(ids, off, n, pos0, new int[] {0}, rows), kv.packed, logits);
            kv.advance(n);
            return;
        }
        float[] x = embed(ids, off, n, pos0), h = new float[n * d], tmp = new float[n * d];
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            b.attnNorm().forward(x, 0, h, 0, n);
            b.attn().forward(h, n, pos0, kv.keys[l], kv.values[l], tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * d);
            b.ffnNorm().forward(x, 0, h, 0, n);
            b.ffn().forward(h, n, tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * d);
        }
        kv.advance(n);
        outputNorm.forward(x, (n - rows) * d, h, 0, rows);
        output.forward(h, rows, logits);
    }

    /** Token plus learned position embeddings of {@code ids[off..off+n)} at positions {@code pos0..}. */
    private float[] embed(int[] ids, int off, int n, int pos0) {
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) pos[i] = pos0 + i;
        return embed(ids, off, n, pos);
    }

    private float[] embed(int[] ids, int off, int n, int[] pos) {
        int d = c.dim();
        float[] x = new float[n * d], tmp = new float[n * d];
        tokens.forward(ids, off, n, x);
        dev.jllm.tensor.kernel.Embedding.gather(positions, pos, 0, n, tmp, 0);
        Elementwise.add(x, 0, tmp, 0, x, 0, n * d);
        return x;
    }

    private void checkIds(int[] ids, int off, int n) {
        for (int i = off; i < off + n; i++) {
            if (ids[i] < 0 || ids[i] >= c.vocab()) throw new IllegalArgumentException("token id " + ids[i] + " outside the vocabulary of " + c.vocab());
        }
    }

    // ---- continuous batching (PagedCausalLM) ----

    @Override
    public PagedKvCache newPagedCache(int blocks, int blockSize, DType kvType) {
        return new PagedKvCache(c.layers(), blocks, blockSize, c.heads(), c.dim() / c.heads(), kvType);
    }

    @Override
    public long kvBytesPerToken(DType kvType) {
        return PagedKvCache.bytesPerToken(c.layers(), c.heads(), c.dim() / c.heads(), kvType);
    }

    /**
     * Every sequence's tokens through each linear layer as one matrix, attention per sequence
     * over its own blocks; row for row the math of {@link #forward} with an F32 cache.
     */
    @Override
    public void forwardBatch(PagedBatch batch, PagedKvCache cache, float[] logits) {
        int seqs = batch.sequences(), n = batch.tokens(), d = c.dim();
        if (cache.values == null || cache.layers() != c.layers() || cache.keys[0].kvHeads() != c.heads() || cache.keys[0].headDim() != d / c.heads()) {
            throw new IllegalArgumentException("the paged cache was not made for this model (use newPagedCache)");
        }
        batch.checkLogits(logits, c.vocab());
        int[] ids = batch.tokenIds(), start = batch.rowStarts(), rows = batch.rowCounts(), pos0 = batch.positions();
        int[][] tables = batch.tables();
        int bs = cache.blockSize();
        int[] positions = batch.checkedPositions(c.context(), c.vocab(), bs, "but GPT-2 has learned positions only up to ");
        float[] x = embed(ids, 0, n, positions), h = new float[n * d], tmp = new float[n * d];
        float[] qs = new float[n * d], ks = new float[n * d], vs = new float[n * d], att = new float[n * d];
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            b.attnNorm().forward(x, 0, h, 0, n);
            b.attn().project(h, n, qs, ks, vs);
            cache.write(l, batch, ks, vs, d);
            dev.jllm.tensor.kernel.PagedAttention.attendBatch(qs, att, seqs, start, rows, pos0, tables, cache.keys[l],
                    cache.values[l], c.heads(), b.attn().scale(), 0);
            b.attn().projectOutput(att, n, tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * d);
            b.ffnNorm().forward(x, 0, h, 0, n);
            b.ffn().forward(h, n, tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * d);
        }
        int m = batch.logitRows();
        if (m == 0) return;
        float[] last = batch.logitInputs(x, d);
        outputNorm.forward(last, 0, last, 0, m);
        output.forward(last, m, logits);
    }
}
