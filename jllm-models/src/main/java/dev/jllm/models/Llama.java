package dev.jllm.models;

import dev.jllm.formats.WeightFile;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.formats.hf.RopeScaling;
import dev.jllm.nn.CausalSelfAttention;
import dev.jllm.nn.Embedding;
import dev.jllm.nn.FeedForward;
import dev.jllm.nn.Linear;
import dev.jllm.nn.RmsNorm;
import dev.jllm.nn.RotaryEmbedding;
import dev.jllm.nn.SwiGluFeedForward;
import dev.jllm.nn.Parameter;
import dev.jllm.nn.TrainableLM;
import dev.jllm.nn.autograd.ActivationOps;
import dev.jllm.nn.autograd.ArithmeticOps;
import dev.jllm.nn.autograd.AttentionOp;
import dev.jllm.nn.autograd.CrossEntropy;
import dev.jllm.nn.autograd.EmbeddingOp;
import dev.jllm.nn.autograd.LinearOps;
import dev.jllm.nn.autograd.NormOps;
import dev.jllm.nn.autograd.RopeOp;
import dev.jllm.nn.autograd.Tape;
import dev.jllm.nn.autograd.Var;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Elementwise;
import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Llama family (pre-RMSNorm, RoPE, grouped-query attention, SwiGLU) as llama.cpp stores it
 * in GGUF: {@code llama} (Llama 2/3/3.1/3.2, Mistral; Llama 3.1 RoPE scaling via the
 * {@code rope_freqs} tensor; tied embeddings), {@code qwen2} (q/k/v biases) and {@code qwen3}
 * (per-head RMSNorm of q and k). Weights stay memory-mapped in their file dtype; every hot
 * loop is a kernel.
 *
 * <p>llama.cpp's converter permutes the q/k rows of {@code llama} checkpoints so that RoPE
 * rotates adjacent pairs ({@link Rope.Pairing#ADJACENT}, equal to Hugging Face's rotate_half
 * on the original rows); Qwen files keep HF's order and use {@link Rope.Pairing#HALF}.
 */
public final class Llama implements PagedCausalLM, TrainableLM {

    /** Hyper-parameters, read from GGUF metadata with llama.cpp's key names. */
    public record Config(String arch, int dim, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab,
                         int context, float eps, RopeFrequencies rope, Rope.Pairing pairing, int slidingWindow) {
        /** Architectures this class runs. */
        public static final java.util.List<String> SUPPORTED = java.util.List.of("llama", "qwen2", "qwen3", "qwen2moe", "qwen3moe");

        /**
         * A fresh "llama" configuration, e.g. for {@link Llama#init}: RoPE theta 10000 on whole
         * heads with llama.cpp's ADJACENT pairing, RMSNorm eps 1e-5, no sliding window.
         */
        public static Config llama(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context) {
            if (heads <= 0 || dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " must be a multiple of heads " + heads);
            int headDim = dim / heads;
            return new Config("llama", dim, layers, heads, kvHeads, headDim, ffn, vocab, context, 1e-5f,
                    RopeFrequencies.plain(headDim, 10000), Rope.Pairing.ADJACENT, 0);
        }

        static Config fromGguf(GgufFile g) {
            String a = g.string("general.architecture");
            if (!SUPPORTED.contains(a)) {
                throw new IllegalArgumentException(g.path() + ": architecture '" + a + "' is not supported (supported: "
                        + String.join(", ", SUPPORTED) + ")");
            }
            int dim = (int) g.integer(a + ".embedding_length");
            int heads = (int) g.integer(a + ".attention.head_count");
            int kvHeads = (int) g.integer(a + ".attention.head_count_kv", heads);
            int headDim = (int) g.integer(a + ".attention.key_length", dim / heads);
            int ropeDims = (int) g.integer(a + ".rope.dimension_count", headDim);
            double theta = g.number(a + ".rope.freq_base", 10000.0);
            Tensor emb = g.tensor("token_embd.weight");
            int vocab = (int) g.integer(a + ".vocab_size", emb.dim(0));
            RopeFrequencies rope = ropeScaling(g, a, ropeDims, theta);
            if (g.tensorInfos().containsKey("rope_freqs.weight")) {
                // Llama 3.1-style scaling: llama.cpp stores one divisor per frequency.
                float[] factors = g.tensor("rope_freqs.weight").toFloatArray();
                if (factors.length != ropeDims / 2) {
                    throw new IllegalArgumentException(g.path() + ": rope_freqs.weight has " + factors.length + " values, expected " + ropeDims / 2);
                }
                float[] inv = new float[ropeDims / 2];
                for (int i = 0; i < inv.length; i++) inv[i] = rope.invFreq(i) / factors[i];
                rope = RopeFrequencies.of(inv, 1f);
            }
            return new Config(a, dim, (int) g.integer(a + ".block_count"), heads, kvHeads, headDim,
                    (int) g.integer(a + ".feed_forward_length", g.integer(a + ".expert_feed_forward_length", 0)), vocab, (int) g.integer(a + ".context_length", 2048),
                    (float) g.number(a + ".attention.layer_norm_rms_epsilon", 1e-5), rope,
                    a.equals("llama") ? Rope.Pairing.ADJACENT : Rope.Pairing.HALF,
                    (int) g.integer(a + ".attention.sliding_window", 0));
        }

        /** Hyper-parameters from a Hugging Face config.json ({@code model_type} llama, mistral, qwen2, qwen3). */
        static Config fromHf(WeightFile w, HfConfig h) {
            String type = h.modelType() == null ? "" : h.modelType();
            String arch = switch (type) {
                case "mistral", "mixtral" -> "llama";
                case "qwen2_moe" -> "qwen2moe";
                case "qwen3_moe" -> "qwen3moe";
                default -> type;
            };
            if (!SUPPORTED.contains(arch)) {
                throw new IllegalArgumentException(w.path() + ": config.json model_type '" + type
                        + "' is not supported (supported: llama, mistral, qwen2, qwen3, mixtral, qwen2_moe, qwen3_moe)");
            }
            if (h.intermediateSize() == null) throw new IllegalArgumentException(w.path() + ": config.json lacks intermediate_size");
            int vocab = h.vocabSize() != null ? h.vocabSize() : (int) w.tensor("model.embed_tokens.weight").dim(0);
            int ropeDims = h.headDim(); // Llama/Qwen rotate the whole head
            Integer window = h.slidingWindow();
            int context = h.maxPositionEmbeddings() != null ? h.maxPositionEmbeddings() : 2048;
            RopeScaling scaling = h.ropeScaling();
            if (scaling != null && "dynamic".equals(scaling.type()) && scaling.factor() > 1) {
                context = (int) Math.min(Integer.MAX_VALUE, (long) (context * scaling.factor())); // what dynamic NTK is for
            }
            return new Config(arch, h.hiddenSize(), h.numHiddenLayers(), h.numAttentionHeads(), h.numKeyValueHeads(),
                    h.headDim(), h.intermediateSize(), vocab,
                    context,
                    (float) (h.rmsNormEps() != null ? h.rmsNormEps() : 1e-6), hfRope(w, h, ropeDims), Rope.Pairing.HALF,
                    window != null && window < (h.maxPositionEmbeddings() != null ? h.maxPositionEmbeddings() : Integer.MAX_VALUE)
                            ? window : 0);
        }

        /** HF's rope_scaling: none/default, linear, dynamic (NTK), llama3, yarn. */
        private static RopeFrequencies hfRope(WeightFile w, HfConfig h, int dims) {
            RopeScaling r = h.ropeScaling();
            String type = r == null || r.type() == null ? "default" : r.type();
            double theta = h.ropeTheta();
            return switch (type) {
                case "default" -> RopeFrequencies.plain(dims, theta);
                case "linear" -> RopeFrequencies.linear(dims, theta, r.factor());
                case "dynamic" -> RopeFrequencies.dynamicNtk(dims, theta, r.factor(),
                        required(w, h.maxPositionEmbeddings(), "max_position_embeddings"));
                case "llama3" -> RopeFrequencies.llama3(dims, theta, r.factor(), orDefault(r.lowFreqFactor(), 1.0),
                        orDefault(r.highFreqFactor(), 4.0), required(w, r.originalMaxPositionEmbeddings(), "original_max_position_embeddings"));
                case "yarn" -> RopeFrequencies.yarn(dims, theta, new RopeFrequencies.Yarn(r.factor(),
                        r.originalMaxPositionEmbeddings() != null ? r.originalMaxPositionEmbeddings()
                                : required(w, h.maxPositionEmbeddings(), "max_position_embeddings"),
                        orDefault(r.betaFast(), 0), orDefault(r.betaSlow(), 0), orDefault(r.mscale(), 0),
                        orDefault(r.mscaleAllDim(), 0), orDefault(r.attentionFactor(), Double.NaN), true));
                default -> throw new IllegalArgumentException(w.path() + ": rope_scaling type '" + type
                        + "' is not supported (supported: default, linear, llama3, yarn)");
            };
        }

        private static double orDefault(Double v, double d) { return v != null ? v : d; }

        private static int required(WeightFile w, Integer v, String field) {
            if (v == null) throw new IllegalArgumentException(w.path() + ": rope_scaling needs " + field);
            return v;
        }

        /** The frequency table for {@code {arch}.rope.scaling.type} (none, linear, yarn) with HF's semantics. */
        private static RopeFrequencies ropeScaling(GgufFile g, String a, int ropeDims, double theta) {
            String type = g.string(a + ".rope.scaling.type", "none");
            double factor = g.number(a + ".rope.scaling.factor", 1.0);
            switch (type) {
                case "none":
                    return RopeFrequencies.plain(ropeDims, theta);
                case "linear":
                    return factor == 1.0 ? RopeFrequencies.plain(ropeDims, theta) : RopeFrequencies.linear(ropeDims, theta, factor);
                case "yarn": {
                    int orig = (int) g.integer(a + ".rope.scaling.original_context_length",
                            g.integer(a + ".context_length", 2048));
                    // llama.cpp's attn_factor multiplies the usual 0.1 ln(factor) + 1; HF's attention_factor is the product.
                    double attention = g.number(a + ".rope.scaling.attn_factor", 1.0) * (factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1);
                    return RopeFrequencies.yarn(ropeDims, theta, new RopeFrequencies.Yarn(factor, orig,
                            g.number(a + ".rope.scaling.yarn_beta_fast", 0), g.number(a + ".rope.scaling.yarn_beta_slow", 0),
                            0, 0, attention, true));
                }
                default:
                    throw new IllegalArgumentException(g.path() + ": " + a + ".rope.scaling.type '" + type
                            + "' is not supported (supported: none, linear, yarn)");
            }
        }
    }

    /** One pre-norm transformer block. */
    private record Block(RmsNorm attnNorm, CausalSelfAttention attn, RmsNorm ffnNorm, FeedForward ffn) {}

    private final Config c;
    private final Embedding tokenEmbedding;
    private final RmsNorm outputNorm;
    private final Linear output;
    private final Block[] layers;

    private Llama(Config c, Embedding tokenEmbedding, RmsNorm outputNorm, Linear output, Block[] layers) {
        this.c = c;
        this.tokenEmbedding = tokenEmbedding;
        this.outputNorm = outputNorm;
        this.output = output;
        this.layers = layers;
    }

    /** Binds the weights of a llama/qwen2/qwen3 GGUF file (kept mapped: the file must stay open). */
    public static Llama fromGguf(GgufFile g) {
        return bind(new Source(g, name -> name), Config.fromGguf(g));
    }

    /**
     * Binds a Hugging Face checkpoint (safetensors, {@code model.layers.N.self_attn.q_proj...})
     * described by its config.json; q/k rows are in HF's order, so RoPE pairs halves.
     */
    public static Llama fromHf(WeightFile w, HfConfig h) {
        return bind(new Source(w, MoeWeights.hfNames(h.modelType(), Llama::hfName)), Config.fromHf(w, h));
    }

    /** The HF tensor name for a llama.cpp tensor name (the GGUF names are this class's vocabulary). */
    static String hfName(String gguf) {
        switch (gguf) {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
            default: break;
        }
        if (!gguf.startsWith("blk.")) return gguf;
        int dot = gguf.indexOf('.', 4);
        String layer = gguf.substring(4, dot), rest = gguf.substring(dot + 1);
        int suffixAt = rest.lastIndexOf('.');
        String part = rest.substring(0, suffixAt), suffix = rest.substring(suffixAt);
        String hf = switch (part) {
            case "attn_norm" -> "input_layernorm";
            case "attn_q" -> "self_attn.q_proj";
            case "attn_k" -> "self_attn.k_proj";
            case "attn_v" -> "self_attn.v_proj";
            case "attn_output" -> "self_attn.o_proj";
            case "attn_q_norm" -> "self_attn.q_norm";
            case "attn_k_norm" -> "self_attn.k_norm";
            case "ffn_norm" -> "post_attention_layernorm";
            case "ffn_gate" -> "mlp.gate_proj";
            case "ffn_up" -> "mlp.up_proj";
            case "ffn_down" -> "mlp.down_proj";
            default -> part;
        };
        return "model.layers." + layer + "." + hf + suffix;
    }

    /** A weight file seen through one naming convention; errors name the tensor as the file spells it. */
    private record Source(WeightFile file, java.util.function.UnaryOperator<String> naming, java.util.Set<String> names) {
        Source(WeightFile file, java.util.function.UnaryOperator<String> naming) {
            this(file, naming, names(file));
        }

        private static java.util.Set<String> names(WeightFile f) {
            java.util.Set<String> s = new java.util.HashSet<>();
            for (var e : f.entries()) s.add(e.name());
            return s;
        }

        boolean has(String name) { return names.contains(naming.apply(name)); }

        Tensor tensor(String name) {
            String n = naming.apply(name);
            if (!names.contains(n)) throw new IllegalArgumentException(file.path() + ": missing tensor " + n);
            return file.tensor(n);
        }

        Tensor matrix(String name, int rows, int cols) {
            Tensor t = tensor(name);
            if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
                throw new IllegalArgumentException(file.path() + ": tensor " + naming.apply(name) + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", expected [" + rows + ", " + cols + "]");
            }
            return t;
        }

        float[] vector(String name, int n) {
            Tensor t = tensor(name);
            if (t.numel() != n) {
                throw new IllegalArgumentException(file.path() + ": tensor " + naming.apply(name) + " has " + t.numel()
                        + " values, expected " + n);
            }
            return t.toFloatArray();
        }

        float[] optionalVector(String name, int n) { return has(name) ? vector(name, n) : null; }
    }

    private static Llama bind(Source g, Config c) {
        Block[] layers = new Block[c.layers()];
        RotaryEmbedding rope = new RotaryEmbedding(c.rope(), c.pairing());
        int qDim = c.heads() * c.headDim(), kvDim = c.kvHeads() * c.headDim();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            float[] qNorm = g.optionalVector(p + "attn_q_norm.weight", c.headDim());
            float[] kNorm = g.optionalVector(p + "attn_k_norm.weight", c.headDim());
            CausalSelfAttention attn = new CausalSelfAttention(
                    new Linear(g.matrix(p + "attn_q.weight", qDim, c.dim()), g.optionalVector(p + "attn_q.bias", qDim)),
                    new Linear(g.matrix(p + "attn_k.weight", kvDim, c.dim()), g.optionalVector(p + "attn_k.bias", kvDim)),
                    new Linear(g.matrix(p + "attn_v.weight", kvDim, c.dim()), g.optionalVector(p + "attn_v.bias", kvDim)),
                    new Linear(g.matrix(p + "attn_output.weight", c.dim(), qDim), null),
                    qNorm == null ? null : new RmsNorm(qNorm, c.eps()), kNorm == null ? null : new RmsNorm(kNorm, c.eps()),
                    rope, c.heads(), c.kvHeads(), c.headDim(), c.slidingWindow());
            MoeWeights.Lookup moe = new MoeWeights.Lookup(g.file(), g::has, g::tensor);
            // Mixtral (llama), qwen2moe, qwen3moe: a router and experts in place of the dense FFN.
            FeedForward ffn = MoeWeights.present(moe, p) ? MoeWeights.bindLlamaFamily(moe, p, c.arch(), c.dim(), c.ffn())
                    : new SwiGluFeedForward(new Linear(g.matrix(p + "ffn_gate.weight", c.ffn(), c.dim()), null),
                    new Linear(g.matrix(p + "ffn_up.weight", c.ffn(), c.dim()), null),
                    new Linear(g.matrix(p + "ffn_down.weight", c.dim(), c.ffn()), null));
            layers[l] = new Block(new RmsNorm(g.vector(p + "attn_norm.weight", c.dim()), c.eps()), attn,
                    new RmsNorm(g.vector(p + "ffn_norm.weight", c.dim()), c.eps()), ffn);
        }
        Tensor emb = g.matrix("token_embd.weight", c.vocab(), c.dim());
        // Llama 3.2 and other small models tie the output projection to the embedding.
        Tensor out = g.has("output.weight") ? g.matrix("output.weight", c.vocab(), c.dim()) : emb;
        return new Llama(c, new Embedding(emb), new RmsNorm(g.vector("output_norm.weight", c.dim()), c.eps()),
                new Linear(out, null), layers);
    }

    public Config config() { return c; }
    @Override public int vocabSize() { return c.vocab(); }
    @Override public int contextLength() { return c.context(); }

    @Override
    public KvCache newState(int maxTokens) {
        return new KvCache(c.layers(), maxTokens, c.kvHeads(), c.headDim());
    }

    /** A cache whose keys and values are stored as {@code kvType} (F32, F16 or Q8_0). */
    @Override
    public KvCache newState(int maxTokens, DType kvType) {
        return new KvCache(c.layers(), maxTokens, c.kvHeads(), c.headDim(), kvType);
    }

    @Override
    public void forward(int[] tokens, int off, int n, ModelState state, float[] logits, boolean allLogits) {
        if (!(state instanceof KvCache kv)) throw new IllegalArgumentException("Llama needs the KvCache from newState()");
        int pos0 = kv.length();
        if (n <= 0) throw new IllegalArgumentException("forward needs at least one token");
        if (pos0 + n > kv.capacity()) {
            throw new IllegalArgumentException("the sequence would reach " + (pos0 + n) + " tokens but the cache holds "
                    + kv.capacity());
        }
        for (int i = off; i < off + n; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocab()) throw new IllegalArgumentException("token id " + tokens[i] + " outside the vocabulary of " + c.vocab());
        }
        if (kv.packed != null) { // F16/Q8_0 elements: the paged path over one block
            forwardBatch(new PagedBatch().add(tokens, off, n, pos0, new int[] {0}, allLogits ? n : 1), kv.packed, logits);
            kv.advance(n);
            return;
        }
        int dim = c.dim();
        float[] x = new float[n * dim], h = new float[n * dim], tmp = new float[n * dim];
        tokenEmbedding.forward(tokens, off, n, x);
        for (int l = 0; l < c.layers(); l++) {
            Block b = layers[l];
            b.attnNorm().forward(x, 0, h, 0, n);
            b.attn().forward(h, n, pos0, kv.keys[l], kv.values[l], tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * dim);
            b.ffnNorm().forward(x, 0, h, 0, n);
            b.ffn().forward(h, n, tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * dim);
        }
        kv.advance(n);
        int rows = allLogits ? n : 1, first = n - rows;
        if (logits.length < rows * c.vocab()) {
            throw new IllegalArgumentException("logits array holds " + logits.length + " floats, needs " + rows * c.vocab());
        }
        outputNorm.forward(x, first * dim, h, 0, rows);
        output.forward(h, rows, logits);
    }

    @Override
    public PagedKvCache newPagedCache(int blocks, int blockSize, DType kvType) {
        return new PagedKvCache(c.layers(), blocks, blockSize, c.kvHeads(), c.headDim(), kvType);
    }

    @Override
    public long kvBytesPerToken(DType kvType) {
        return PagedKvCache.bytesPerToken(c.layers(), c.kvHeads(), c.headDim(), kvType);
    }

    /**
     * Continuous batching's step: the tokens of every sequence in {@code batch} go through each
     * linear layer as one [tokens x dim] matrix (weights read once for all), while attention runs
     * per sequence over its own blocks. Row for row the same math as {@link #forward}.
     */
    @Override
    public void forwardBatch(PagedBatch batch, PagedKvCache cache, float[] logits) {
        int seqs = batch.sequences(), n = batch.tokens(), dim = c.dim(), kvDim = c.kvHeads() * c.headDim();
        if (cache.values == null || cache.layers() != c.layers() || cache.keys[0].kvHeads() != c.kvHeads() || cache.keys[0].headDim() != c.headDim()) {
            throw new IllegalArgumentException("the paged cache was not made for this model (use newPagedCache)");
        }
        batch.checkLogits(logits, c.vocab());
        int[] ids = batch.tokenIds(), start = batch.rowStarts(), rows = batch.rowCounts(), pos0 = batch.positions();
        int[][] tables = batch.tables();
        int bs = cache.blockSize();
        int[] positions = batch.checkedPositions(c.context(), c.vocab(), bs, "past the context of "), lengths = new int[n];
        for (int s = 0; s < seqs; s++) {
            for (int i = 0; i < rows[s]; i++) lengths[start[s] + i] = pos0[s] + rows[s];
        }
        float[] x = new float[n * dim], h = new float[n * dim], tmp = new float[n * dim];
        float[] qs = new float[n * c.heads() * c.headDim()], ks = new float[n * kvDim], vs = new float[n * kvDim];
        float[] att = new float[qs.length];
        tokenEmbedding.forward(ids, 0, n, x);
        for (int l = 0; l < c.layers(); l++) {
            Block b = layers[l];
            b.attnNorm().forward(x, 0, h, 0, n);
            b.attn().project(h, n, positions, lengths, qs, ks, vs);
            cache.write(l, batch, ks, vs, kvDim);
            dev.jllm.tensor.kernel.PagedAttention.attendBatch(qs, att, seqs, start, rows, pos0, tables, cache.keys[l],
                    cache.values[l], c.heads(), b.attn().scale(), b.attn().window());
            b.attn().projectOutput(att, n, tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * dim);
            b.ffnNorm().forward(x, 0, h, 0, n);
            b.ffn().forward(h, n, tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * dim);
        }
        int m = batch.logitRows();
        if (m == 0) return;
        float[] last = batch.logitInputs(x, dim);
        outputNorm.forward(last, 0, last, 0, m);
        output.forward(last, m, logits);
    }

    // ---- training (TrainableLM): the same blocks, re-run on an autograd tape ------------

    /** The trainable weights over the layers' own arrays, built on first use (see {@link #parameters()}). */
    private List<Parameter> parameters;

    /** {@link #init(Config, long, boolean)} with a separate output projection. */
    public static Llama init(Config c, long seed) { return init(c, seed, false); }

    /**
     * A freshly initialized model with heap F32 weights under GGUF names: every matrix and the
     * embedding drawn from N(0, 0.02), the two projections that write into the residual stream
     * ({@code attn_output}, {@code ffn_down}) scaled by {@code 1/sqrt(2 * layers)} as GPT-2 does,
     * norm weights 1. With {@code tiedEmbeddings} the output projection is the embedding table.
     * The inference path reads the same arrays the optimizer updates.
     */
    public static Llama init(Config c, long seed, boolean tiedEmbeddings) {
        if (c.dim() <= 0 || c.layers() <= 0 || c.ffn() <= 0 || c.vocab() <= 0 || c.headDim() <= 0
                || c.kvHeads() <= 0 || c.heads() % c.kvHeads() != 0) {
            throw new IllegalArgumentException("cannot initialize a model with " + c);
        }
        if (c.rope().rotaryDims() > c.headDim()) {
            throw new IllegalArgumentException("RoPE rotates " + c.rope().rotaryDims() + " dimensions, heads have " + c.headDim());
        }
        java.util.Random random = new java.util.Random(seed);
        float std = 0.02f, residualStd = (float) (0.02 / Math.sqrt(2.0 * c.layers()));
        int qDim = c.heads() * c.headDim(), kvDim = c.kvHeads() * c.headDim();
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("token_embd.weight", normal(random, std, c.vocab(), c.dim()));
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            w.put(p + "attn_norm.weight", ones(c.dim()));
            w.put(p + "attn_q.weight", normal(random, std, qDim, c.dim()));
            w.put(p + "attn_k.weight", normal(random, std, kvDim, c.dim()));
            w.put(p + "attn_v.weight", normal(random, std, kvDim, c.dim()));
            w.put(p + "attn_output.weight", normal(random, residualStd, c.dim(), qDim));
            w.put(p + "ffn_norm.weight", ones(c.dim()));
            w.put(p + "ffn_gate.weight", normal(random, std, c.ffn(), c.dim()));
            w.put(p + "ffn_up.weight", normal(random, std, c.ffn(), c.dim()));
            w.put(p + "ffn_down.weight", normal(random, residualStd, c.dim(), c.ffn()));
        }
        w.put("output_norm.weight", ones(c.dim()));
        if (!tiedEmbeddings) w.put("output.weight", normal(random, std, c.vocab(), c.dim()));
        return bind(new Source(new InitialWeights(w), name -> name), c);
    }

    private static Tensor normal(java.util.Random random, float std, int rows, int cols) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian() * std;
        return Tensor.of(x, rows, cols);
    }

    private static Tensor ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return Tensor.of(x, n);
    }

    /** Freshly made weights seen as a weight file, so {@link #init} binds them exactly as a loaded file. */
    private record InitialWeights(Map<String, Tensor> tensors) implements WeightFile {
        @Override public String format() { return "memory"; }
        @Override public java.nio.file.Path path() { return java.nio.file.Path.of("initialized-in-memory"); }
        @Override public Map<String, Object> metadata() { return Map.of(); }
        @Override public void close() {}

        @Override
        public List<dev.jllm.formats.TensorEntry> entries() {
            List<dev.jllm.formats.TensorEntry> out = new ArrayList<>();
            for (var e : tensors.entrySet()) {
                out.add(new dev.jllm.formats.TensorEntry(e.getKey(), "F32", e.getValue().shape(), 4 * e.getValue().numel(), null, 0));
            }
            return out;
        }

        @Override
        public Tensor tensor(String name) {
            Tensor t = tensors.get(name);
            if (t == null) throw new IllegalArgumentException("no tensor " + name);
            return t;
        }
    }

    /**
     * Every weight in GGUF order (embedding; per block attn_norm, attn_q/k/v (+ biases, q/k
     * norms when present), attn_output, ffn_norm, ffn_gate/up/down; output_norm; output unless
     * tied), sharing the arrays the layers read. Weight decay applies to the 2-D matrices other
     * than the embedding. Needs heap F32 weights ({@link #init}, {@link #trainableCopy}); a
     * memory-mapped file cannot be trained in place.
     */
    @Override
    public synchronized List<Parameter> parameters() {
        if (parameters != null) return parameters;
        List<Parameter> ps = new ArrayList<>();
        forEachWeight((name, t) -> matrix(ps, name, t, !name.equals("token_embd.weight")),
                (name, values) -> vector(ps, name, values));
        parameters = List.copyOf(ps);
        return parameters;
    }

    /**
     * A copy of this model with heap F32 weights (F16, BF16 and ggml block types dequantized)
     * that can be trained, e.g. to fine-tune a loaded GGUF or HF checkpoint. Same config, same
     * tying of the output head.
     */
    public Llama trainableCopy() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        forEachWeight((name, t) -> w.put(name, Tensor.of(t.toFloatArray(), t.shape())),
                (name, values) -> w.put(name, Tensor.of(values.clone(), values.length)));
        return bind(new Source(new InitialWeights(w), name -> name), c);
    }

    /** Visits every weight under its GGUF name, in GGUF order: matrices as tensors, norms and biases as arrays. */
    private void forEachWeight(java.util.function.BiConsumer<String, Tensor> matrices,
                               java.util.function.BiConsumer<String, float[]> vectors) {
        matrices.accept("token_embd.weight", tokenEmbedding.table());
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            Block b = layers[l];
            CausalSelfAttention a = b.attn();
            SwiGluFeedForward f = swiGlu(l);
            vectors.accept(p + "attn_norm.weight", b.attnNorm().weight());
            Linear[] proj = {a.q(), a.k(), a.v()};
            String[] names = {"attn_q", "attn_k", "attn_v"};
            for (int i = 0; i < 3; i++) {
                matrices.accept(p + names[i] + ".weight", proj[i].weight());
                if (proj[i].bias() != null) vectors.accept(p + names[i] + ".bias", proj[i].bias());
            }
            if (a.qNorm() != null) vectors.accept(p + "attn_q_norm.weight", a.qNorm().weight());
            if (a.kNorm() != null) vectors.accept(p + "attn_k_norm.weight", a.kNorm().weight());
            matrices.accept(p + "attn_output.weight", a.o().weight());
            vectors.accept(p + "ffn_norm.weight", b.ffnNorm().weight());
            matrices.accept(p + "ffn_gate.weight", f.gate().weight());
            matrices.accept(p + "ffn_up.weight", f.up().weight());
            matrices.accept(p + "ffn_down.weight", f.down().weight());
        }
        vectors.accept("output_norm.weight", outputNorm.weight());
        if (!tiedOutput()) matrices.accept("output.weight", output.weight());
    }

    private static void matrix(List<Parameter> ps, String name, Tensor t, boolean decay) {
        if (t.dtype() != DType.F32 || !t.isHeap() || !t.isContiguous() || t.offset() != 0) {
            throw new IllegalStateException("training needs heap F32 weights (Llama.init or trainableCopy()), but "
                    + name + " is " + t.dtype() + (t.isHeap() ? "" : " in mapped memory"));
        }
        ps.add(Parameter.of(name, t, decay));
    }

    private static void vector(List<Parameter> ps, String name, float[] values) {
        ps.add(Parameter.of(name, Tensor.of(values, values.length), false));
    }

    private boolean tiedOutput() { return output.weight() == tokenEmbedding.table(); }

    private SwiGluFeedForward swiGlu(int layer) {
        if (!(layers[layer].ffn() instanceof SwiGluFeedForward f)) {
            throw new IllegalStateException("training runs dense SwiGLU blocks; layer " + layer + " has " + layers[layer].ffn());
        }
        return f;
    }

    @Override
    public StepLoss step(int[] inputs, int[] targets, int[] docIds, int batch, int seqLen, float gradScale) {
        if (!(gradScale >= 0) || Float.isInfinite(gradScale)) {
            throw new IllegalArgumentException("gradScale must be finite and >= 0, got " + gradScale);
        }
        checkBatch(inputs, docIds, batch, seqLen);
        if (targets.length != inputs.length) {
            throw new IllegalArgumentException("targets has " + targets.length + " ids, inputs " + inputs.length);
        }
        Tape tape = new Tape().recording(gradScale > 0);
        Map<String, Var> w = weightVars();
        Var hidden = trainingHidden(tape, w, inputs, docIds, batch, seqLen);
        CrossEntropy.Result r = CrossEntropy.linear(tape, hidden, w.get(tiedOutput() ? "token_embd.weight" : "output.weight"), targets);
        if (gradScale > 0) tape.backward(r.loss(), gradScale);
        return new StepLoss(r.crossEntropy(), r.tokens());
    }

    /**
     * The logits [batch * seqLen, vocab] of the training forward (whole rows at once, no cache;
     * with document ids, each document attends only to itself). For evaluation and for checking
     * the training path against {@link #forward}.
     */
    public float[] trainingLogits(int[] inputs, int[] docIds, int batch, int seqLen) {
        checkBatch(inputs, docIds, batch, seqLen);
        Tape tape = new Tape().recording(false);
        Map<String, Var> w = weightVars();
        Var hidden = trainingHidden(tape, w, inputs, docIds, batch, seqLen);
        return LinearOps.linear(tape, hidden, w.get(tiedOutput() ? "token_embd.weight" : "output.weight"), null).data();
    }

    private void checkBatch(int[] inputs, int[] docIds, int batch, int seqLen) {
        if (batch <= 0 || seqLen <= 0) throw new IllegalArgumentException("batch and seqLen must be positive, got " + batch + " x " + seqLen);
        if (inputs.length != batch * seqLen) {
            throw new IllegalArgumentException("inputs has " + inputs.length + " ids, expected batch*seqLen = " + batch * seqLen);
        }
        if (docIds != null && docIds.length != inputs.length) {
            throw new IllegalArgumentException("docIds has " + docIds.length + " ids, expected " + inputs.length);
        }
    }

    /** Each parameter as a tape leaf sharing its value and gradient arrays, by name. */
    private Map<String, Var> weightVars() {
        Map<String, Var> w = new HashMap<>();
        for (Parameter p : parameters()) w.put(p.name(), Var.of(p));
        return w;
    }

    /** Embedding, the blocks, the final norm: [batch * seqLen, dim], the same math as {@link #forward}. */
    private Var trainingHidden(Tape t, Map<String, Var> w, int[] inputs, int[] docIds, int batch, int seqLen) {
        int n = batch * seqLen, hd = c.headDim(), heads = c.heads(), kvHeads = c.kvHeads();
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) positions[i] = i % seqLen; // RoPE scores depend on i - j only, so packing needs no reset
        float scale = (float) (1.0 / Math.sqrt(hd));
        Var x = EmbeddingOp.lookup(t, w.get("token_embd.weight"), inputs);
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            Block b = layers[l];
            CausalSelfAttention a = b.attn();
            Var h = NormOps.rmsNorm(t, x, w.get(p + "attn_norm.weight"), b.attnNorm().eps());
            Var q = LinearOps.linear(t, h, w.get(p + "attn_q.weight"), w.get(p + "attn_q.bias"));
            Var k = LinearOps.linear(t, h, w.get(p + "attn_k.weight"), w.get(p + "attn_k.bias"));
            Var v = LinearOps.linear(t, h, w.get(p + "attn_v.weight"), w.get(p + "attn_v.bias"));
            if (a.qNorm() != null) {
                q = NormOps.rmsNorm(t, q.reshaped(n * heads, hd), w.get(p + "attn_q_norm.weight"), a.qNorm().eps()).reshaped(n, heads * hd);
            }
            if (a.kNorm() != null) {
                k = NormOps.rmsNorm(t, k.reshaped(n * kvHeads, hd), w.get(p + "attn_k_norm.weight"), a.kNorm().eps()).reshaped(n, kvHeads * hd);
            }
            RopeFrequencies freqs = a.rope().frequencies().forLength(seqLen); // HF: a dynamic table follows the length
            q = RopeOp.rope(t, q, positions, heads, hd, freqs, a.rope().pairing());
            k = RopeOp.rope(t, k, positions, kvHeads, hd, freqs, a.rope().pairing());
            Var att = AttentionOp.attention(t, q.reshaped(batch, seqLen, heads, hd), k.reshaped(batch, seqLen, kvHeads, hd),
                    v.reshaped(batch, seqLen, kvHeads, hd), docIds, a.window(), scale);
            x = ArithmeticOps.add(t, x, LinearOps.linear(t, att.reshaped(n, heads * hd), w.get(p + "attn_output.weight"), null));
            h = NormOps.rmsNorm(t, x, w.get(p + "ffn_norm.weight"), b.ffnNorm().eps());
            Var gate = LinearOps.linear(t, h, w.get(p + "ffn_gate.weight"), null);
            Var up = LinearOps.linear(t, h, w.get(p + "ffn_up.weight"), null);
            x = ArithmeticOps.add(t, x, LinearOps.linear(t, ActivationOps.swiglu(t, gate, up), w.get(p + "ffn_down.weight"), null));
        }
        return NormOps.rmsNorm(t, x, w.get("output_norm.weight"), outputNorm.eps());
    }

    /** Which weight dtype the model runs on (of its largest tensor). */
    /** The feed-forward of block {@code layer}: SwiGLU, or a mixture of experts (Mixtral, Qwen-MoE). */
    public FeedForward feedForward(int layer) { return layers[layer].ffn(); }

    public DType weightType() {
        if (layers.length == 0) return output.weight().dtype();
        FeedForward f = layers[0].ffn();
        return (f instanceof dev.jllm.nn.MoeFeedForward m ? m.expert(0) : (SwiGluFeedForward) f).gate().weight().dtype();
    }
}
