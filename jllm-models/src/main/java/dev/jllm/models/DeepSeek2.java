package dev.jllm.models;

import dev.jllm.formats.WeightFile;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.formats.hf.MlaConfig;
import dev.jllm.formats.hf.MoeConfig;
import dev.jllm.formats.hf.RopeScaling;
import dev.jllm.nn.Embedding;
import dev.jllm.nn.FeedForward;
import dev.jllm.nn.Linear;
import dev.jllm.nn.MoeFeedForward;
import dev.jllm.nn.MultiHeadLatentAttention;
import dev.jllm.nn.RmsNorm;
import dev.jllm.nn.RotaryEmbedding;
import dev.jllm.nn.SwiGluFeedForward;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Elementwise;
import dev.jllm.tensor.kernel.LatentAttention;
import dev.jllm.tensor.kernel.ExpertRouting;
import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DeepSeek-V2 / V2-Lite / V3 ({@code general.architecture = deepseek2}) as llama.cpp stores it:
 * pre-RMSNorm blocks of multi-head latent attention ({@link MultiHeadLatentAttention}: optional
 * low-rank queries, one compressed KV latent plus one decoupled rotary key per token, RoPE on
 * adjacent pairs, YaRN with DeepSeek's mscale) and DeepSeekMoE feed-forwards: the first
 * {@code leading_dense_block_count} blocks are dense SwiGLU, the rest route each token to
 * {@code expert_used_count} fine-grained experts (softmax gating for V2, sigmoid plus a
 * selection-only bias {@code exp_probs_b} for V3, optionally group-limited, normalized and
 * scaled) and always run the shared experts.
 *
 * <p>The cache ({@link LatentCache}) holds only the latent and the rotary key; attention
 * absorbs the up-projections (see {@link MultiHeadLatentAttention.Mode}).
 */
public final class DeepSeek2 implements PagedCausalLM {

    /**
     * Hyper-parameters from llama.cpp's {@code deepseek2.*} keys.
     *
     * @param qLoraRank 0 when queries are not compressed (V2-Lite)
     * @param attentionScale softmax scale: mscale^2 / sqrt(nope + ropeDim)
     */
    public record Config(int dim, int layers, int heads, int qLoraRank, int kvLoraRank, int nope, int ropeDim, int valueDim,
                         int ffn, int expertFfn, int sharedExperts, int leadingDense, int vocab, int context, float eps,
                         RopeFrequencies rope, float attentionScale, ExpertRouting.Gating gating, int expertsUsed,
                         boolean normalize, float routedScale, int groups, int groupsUsed) {

        static Config fromGguf(GgufFile g) {
            String a = "deepseek2";
            if (!a.equals(g.string("general.architecture"))) {
                throw new IllegalArgumentException(g.path() + ": not a deepseek2 file (architecture '" + g.string("general.architecture") + "')");
            }
            int heads = (int) g.integer(a + ".attention.head_count");
            int ropeDim = (int) g.integer(a + ".rope.dimension_count");
            // Files converted for MLA say key_length_mla/value_length_mla; older ones give the per-head sizes directly.
            int keyLength = (int) g.integer(a + ".attention.key_length_mla", g.integer(a + ".attention.key_length"));
            int valueDim = (int) g.integer(a + ".attention.value_length_mla", g.integer(a + ".attention.value_length"));
            int nope = keyLength - ropeDim;
            if (nope <= 0) throw new IllegalArgumentException(g.path() + ": key length " + keyLength + " leaves no room beside " + ropeDim + " rotary dims");
            int context = (int) g.integer(a + ".context_length", 4096);
            double theta = g.number(a + ".rope.freq_base", 10000.0);
            String scaling = g.string(a + ".rope.scaling.type", "none");
            RopeFrequencies rope;
            double mscale = 1;
            switch (scaling) {
                case "none" -> rope = RopeFrequencies.plain(ropeDim, theta);
                case "yarn" -> {
                    double factor = g.number(a + ".rope.scaling.factor");
                    double attnFactor = g.number(a + ".rope.scaling.attn_factor", 1.0);
                    // llama.cpp's converter stores 0.1 * mscale_all_dim; DeepSeek multiplies the softmax scale by
                    // mscale^2 with mscale = 0.1 * mscale_all_dim * ln(factor) + 1, and leaves cos/sin unscaled.
                    double logMul = g.number(a + ".rope.scaling.yarn_log_multiplier", 0.0);
                    mscale = attnFactor * (factor <= 1 ? 1 : 1 + logMul * Math.log(factor));
                    rope = RopeFrequencies.yarn(ropeDim, theta, new RopeFrequencies.Yarn(factor,
                            (int) g.integer(a + ".rope.scaling.original_context_length", context),
                            g.number(a + ".rope.scaling.yarn_beta_fast", 0), g.number(a + ".rope.scaling.yarn_beta_slow", 0),
                            0, 0, attnFactor, true));
                }
                default -> throw new IllegalArgumentException(g.path() + ": " + a + ".rope.scaling.type '" + scaling
                        + "' is not supported for deepseek2 (supported: none, yarn)");
            }
            long gating = g.integer(a + ".expert_gating_func", 1); // absent in V2/V2.5 files: softmax
            if (gating != 1 && gating != 2) {
                throw new IllegalArgumentException(g.path() + ": " + a + ".expert_gating_func is " + gating + " (1 = softmax, 2 = sigmoid)");
            }
            int layers = (int) g.integer(a + ".block_count");
            int leading = (int) g.integer(a + ".leading_dense_block_count", 0);
            boolean moe = leading < layers;
            return new Config((int) g.integer(a + ".embedding_length"), layers, heads,
                    (int) g.integer(a + ".attention.q_lora_rank", 0), (int) g.integer(a + ".attention.kv_lora_rank"), nope, ropeDim,
                    valueDim, (int) g.integer(a + ".feed_forward_length", 0),
                    moe ? (int) MoeWeights.required(g, a + ".expert_feed_forward_length") : 0,
                    (int) g.integer(a + ".expert_shared_count", 0), leading,
                    (int) g.integer(a + ".vocab_size", g.tensor("token_embd.weight").dim(0)), context,
                    (float) g.number(a + ".attention.layer_norm_rms_epsilon", 1e-6), rope,
                    (float) (mscale * mscale / Math.sqrt(nope + ropeDim)),
                    gating == 2 ? ExpertRouting.Gating.SIGMOID : ExpertRouting.Gating.SOFTMAX,
                    moe ? (int) MoeWeights.required(g, a + ".expert_used_count") : 0,
                    g.bool(a + ".expert_weights_norm", false), (float) g.number(a + ".expert_weights_scale", 1.0),
                    (int) g.integer(a + ".expert_group_count", 0), (int) g.integer(a + ".expert_group_used_count", 0));
        }

        /**
         * From a Hugging Face config.json ({@code deepseek_v2}, {@code deepseek_v3}) with HF's
         * semantics: V2's gates either renormalize or scale (topk_method greedy or
         * group_limited_greedy), V3's ({@code noaux_tc}) renormalize and then scale; YaRN's cos/sin
         * factor is mscale(factor, mscale) / mscale(factor, mscale_all_dim).
         */
        static Config fromHf(WeightFile w, HfConfig h, int vocab) {
            MlaConfig mla = h.mla();
            if (mla == null) throw new IllegalArgumentException(w.path() + ": config.json lacks kv_lora_rank (not multi-head latent attention)");
            MoeConfig moe = h.moe();
            int ropeDim = mla.qkRopeHeadDim(), nope = mla.qkNopeHeadDim(), layers = h.numHiddenLayers();
            double theta = h.ropeTheta();
            RopeScaling r = h.ropeScaling();
            RopeFrequencies rope;
            double softmaxMscale = 1;
            String type = r == null || r.type() == null ? "default" : r.type();
            switch (type) {
                case "default" -> rope = RopeFrequencies.plain(ropeDim, theta);
                case "yarn" -> {
                    double f = r.factor(), m = r.mscale() != null ? r.mscale() : 1, all = r.mscaleAllDim() != null ? r.mscaleAllDim() : 0;
                    if (all != 0) softmaxMscale = yarnMscale(f, all);
                    if (r.originalMaxPositionEmbeddings() == null) {
                        throw new IllegalArgumentException(w.path() + ": rope_scaling yarn needs original_max_position_embeddings");
                    }
                    rope = RopeFrequencies.yarn(ropeDim, theta, new RopeFrequencies.Yarn(f, r.originalMaxPositionEmbeddings(),
                            r.betaFast() != null ? r.betaFast() : 0, r.betaSlow() != null ? r.betaSlow() : 0, 0, 0,
                            yarnMscale(f, m) / yarnMscale(f, all), true));
                }
                default -> throw new IllegalArgumentException(w.path() + ": rope_scaling type '" + type
                        + "' is not supported for DeepSeek (supported: default, yarn)");
            }
            int leading = moe == null ? layers : moe.firstKDenseReplace() != null ? moe.firstKDenseReplace() : 0;
            ExpertRouting.Gating gating = ExpertRouting.Gating.SOFTMAX;
            boolean normalize = false;
            float scale = 1;
            int groups = 0, groupsUsed = 0, used = 0, expertFfn = 0, shared = 0;
            if (moe != null) {
                String scoring = moe.scoringFunc() == null ? "softmax" : moe.scoringFunc();
                if (!scoring.equals("softmax") && !scoring.equals("sigmoid")) {
                    throw new IllegalArgumentException(w.path() + ": scoring_func '" + scoring + "' is not supported (softmax, sigmoid)");
                }
                gating = scoring.equals("sigmoid") ? ExpertRouting.Gating.SIGMOID : ExpertRouting.Gating.SOFTMAX;
                String method = moe.topkMethod() == null ? "greedy" : moe.topkMethod();
                used = moe.numExpertsPerTok();
                normalize = Boolean.TRUE.equals(moe.normTopkProb());
                double routed = moe.routedScalingFactor() != null ? moe.routedScalingFactor() : 1.0;
                boolean v3 = method.equals("noaux_tc");
                scale = (float) (!v3 && normalize && used > 1 ? 1.0 : routed);
                if (!method.equals("greedy")) {
                    groups = h.raw().path("n_group").asInt(0);
                    groupsUsed = h.raw().path("topk_group").asInt(0);
                }
                if (moe.moeIntermediateSize() == null) throw new IllegalArgumentException(w.path() + ": config.json lacks moe_intermediate_size");
                expertFfn = moe.moeIntermediateSize();
                shared = moe.nSharedExperts() != null ? moe.nSharedExperts() : 0;
            }
            return new Config(h.hiddenSize(), layers, h.numAttentionHeads(), mla.qLoraRank() != null ? mla.qLoraRank() : 0,
                    mla.kvLoraRank(), nope, ropeDim, mla.vHeadDim(), h.intermediateSize() != null ? h.intermediateSize() : 0,
                    expertFfn, shared, leading, h.vocabSize() != null ? h.vocabSize() : vocab,
                    h.maxPositionEmbeddings() != null ? h.maxPositionEmbeddings() : 4096,
                    (float) (h.rmsNormEps() != null ? h.rmsNormEps() : 1e-6), rope,
                    (float) (softmaxMscale * softmaxMscale / Math.sqrt(nope + ropeDim)), gating, used, normalize, scale, groups, groupsUsed);
        }

        private static double yarnMscale(double factor, double m) { return factor <= 1 ? 1 : 0.1 * m * Math.log(factor) + 1; }
    }

    private record Block(RmsNorm attnNorm, MultiHeadLatentAttention attn, RmsNorm ffnNorm, FeedForward ffn) {}

    private final Config c;
    private final Embedding tokens;
    private final Block[] blocks;
    private final RmsNorm outputNorm;
    private final Linear output;

    private DeepSeek2(Config c, Embedding tokens, Block[] blocks, RmsNorm outputNorm, Linear output) {
        this.c = c;
        this.tokens = tokens;
        this.blocks = blocks;
        this.outputNorm = outputNorm;
        this.output = output;
    }

    /** Binds a deepseek2 GGUF file (weights stay mapped: the file must stay open). */
    public static DeepSeek2 fromGguf(GgufFile g) {
        Set<String> names = g.tensorInfos().keySet();
        return bind(Config.fromGguf(g), new MoeWeights.Lookup(g, names::contains, name -> {
            if (!names.contains(name)) throw new IllegalArgumentException(g.path() + ": missing tensor " + name);
            return g.tensor(name);
        }));
    }

    /** Binds a Hugging Face DeepSeek-V2/V3 checkpoint ({@code model.layers.N.self_attn.kv_b_proj}, {@code mlp.experts.E}...). */
    public static DeepSeek2 fromHf(WeightFile f, HfConfig h) {
        Set<String> names = new HashSet<>();
        for (var e : f.entries()) names.add(e.name());
        if (!names.contains("model.embed_tokens.weight")) throw new IllegalArgumentException(f.path() + ": missing tensor model.embed_tokens.weight");
        Config c = Config.fromHf(f, h, f.tensor("model.embed_tokens.weight").size(0));
        return bind(c, new MoeWeights.Lookup(f, name -> names.contains(hfName(name)), name -> {
            String hf = hfName(name);
            if (!names.contains(hf)) throw new IllegalArgumentException(f.path() + ": missing tensor " + hf);
            return f.tensor(hf);
        }));
    }

    private static final Pattern EXPERT = Pattern.compile("ffn_(gate|up|down)\\.(\\d+)");

    /** The HF name of a llama.cpp deepseek2 tensor name (the GGUF names are this class's vocabulary). */
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
        if (rest.equals("exp_probs_b.bias")) return "model.layers." + layer + ".mlp.gate.e_score_correction_bias";
        int s = rest.lastIndexOf('.');
        String part = rest.substring(0, s);
        Matcher m = EXPERT.matcher(part);
        String hf = m.matches() ? "mlp.experts." + m.group(2) + "." + m.group(1) + "_proj" : switch (part) {
            case "attn_norm" -> "input_layernorm";
            case "attn_q" -> "self_attn.q_proj";
            case "attn_q_a" -> "self_attn.q_a_proj";
            case "attn_q_a_norm" -> "self_attn.q_a_layernorm";
            case "attn_q_b" -> "self_attn.q_b_proj";
            case "attn_kv_a_mqa" -> "self_attn.kv_a_proj_with_mqa";
            case "attn_kv_a_norm" -> "self_attn.kv_a_layernorm";
            case "attn_kv_b" -> "self_attn.kv_b_proj";
            case "attn_output" -> "self_attn.o_proj";
            case "ffn_norm" -> "post_attention_layernorm";
            case "ffn_gate" -> "mlp.gate_proj";
            case "ffn_up" -> "mlp.up_proj";
            case "ffn_down" -> "mlp.down_proj";
            case "ffn_gate_inp" -> "mlp.gate";
            case "ffn_gate_shexp" -> "mlp.shared_experts.gate_proj";
            case "ffn_up_shexp" -> "mlp.shared_experts.up_proj";
            case "ffn_down_shexp" -> "mlp.shared_experts.down_proj";
            default -> part;
        };
        return "model.layers." + layer + "." + hf + rest.substring(s);
    }

    private static DeepSeek2 bind(Config c, MoeWeights.Lookup w) {
        int d = c.dim(), qk = c.nope() + c.ropeDim(), rank = c.kvLoraRank();
        RotaryEmbedding rope = new RotaryEmbedding(c.rope(), Rope.Pairing.ADJACENT); // llama.cpp: NORM rope for deepseek2
        Block[] blocks = new Block[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            Linear qA = null, q;
            RmsNorm qANorm = null;
            if (c.qLoraRank() > 0) {
                qA = new Linear(w.shaped(p + "attn_q_a.weight", c.qLoraRank(), d), null);
                qANorm = new RmsNorm(vector(w, p + "attn_q_a_norm.weight", c.qLoraRank()), c.eps());
                q = new Linear(w.shaped(p + "attn_q_b.weight", (long) c.heads() * qk, c.qLoraRank()), null);
            } else {
                q = new Linear(w.shaped(p + "attn_q.weight", (long) c.heads() * qk, d), null);
            }
            MultiHeadLatentAttention.UpProjections up = w.has().test(p + "attn_k_b.weight")
                    ? MultiHeadLatentAttention.UpProjections.split(w.shaped(p + "attn_k_b.weight", c.heads(), rank, c.nope()),
                            w.shaped(p + "attn_v_b.weight", c.heads(), c.valueDim(), rank))
                    : MultiHeadLatentAttention.UpProjections.fused(
                            w.shaped(p + "attn_kv_b.weight", (long) c.heads() * (c.nope() + c.valueDim()), rank), c.heads(), c.nope(), c.valueDim());
            MultiHeadLatentAttention attn = new MultiHeadLatentAttention(qA, qANorm, q,
                    new Linear(w.shaped(p + "attn_kv_a_mqa.weight", rank + c.ropeDim(), d), null),
                    new RmsNorm(vector(w, p + "attn_kv_a_norm.weight", rank), c.eps()), up,
                    new Linear(w.shaped(p + "attn_output.weight", d, (long) c.heads() * c.valueDim()), null),
                    rope, c.heads(), c.nope(), c.ropeDim(), c.valueDim(), c.attentionScale());
            FeedForward ffn;
            if (l < c.leadingDense()) {
                ffn = new SwiGluFeedForward(new Linear(w.shaped(p + "ffn_gate.weight", c.ffn(), d), null),
                        new Linear(w.shaped(p + "ffn_up.weight", c.ffn(), d), null), new Linear(w.shaped(p + "ffn_down.weight", d, c.ffn()), null));
            } else {
                float[] bias = w.has().test(p + "exp_probs_b.bias") ? w.tensor().apply(p + "exp_probs_b.bias").toFloatArray() : null;
                ExpertRouting.Policy policy = new ExpertRouting.Policy(c.gating(), c.expertsUsed(), c.normalize(), c.routedScale(),
                        bias, c.groups(), c.groupsUsed());
                ffn = MoeWeights.bind(w, p, d, c.expertFfn(), c.sharedExperts() * c.expertFfn(), policy);
            }
            blocks[l] = new Block(new RmsNorm(vector(w, p + "attn_norm.weight", d), c.eps()), attn,
                    new RmsNorm(vector(w, p + "ffn_norm.weight", d), c.eps()), ffn);
        }
        Tensor emb = w.shaped("token_embd.weight", c.vocab(), d);
        Tensor out = w.has().test("output.weight") ? w.shaped("output.weight", c.vocab(), d) : emb;
        return new DeepSeek2(c, new Embedding(emb), blocks, new RmsNorm(vector(w, "output_norm.weight", d), c.eps()), new Linear(out, null));
    }

    private static float[] vector(MoeWeights.Lookup w, String name, int n) {
        Tensor t = w.tensor().apply(name);
        if (t.numel() != n) {
            throw new IllegalArgumentException(w.file().path() + ": tensor " + name + " has " + t.numel() + " values, expected " + n
                    + " (shape " + Arrays.toString(t.shape()) + ")");
        }
        return t.toFloatArray();
    }

    public Config config() { return c; }
    @Override public int vocabSize() { return c.vocab(); }
    @Override public int contextLength() { return c.context(); }

    /** The latent cache: kv_lora_rank + qk_rope_head_dim floats per token and layer. */
    @Override
    public LatentCache newState(int maxTokens) {
        return new LatentCache(c.layers(), maxTokens, c.kvLoraRank(), c.ropeDim());
    }

    /** Auto (default), absorbed or decompressed attention in every block; all read the same latent cache. */
    public void attentionMode(MultiHeadLatentAttention.Mode mode) {
        for (Block b : blocks) b.attn().mode(mode);
    }

    /** The feed-forward of block {@code layer}: SwiGLU for the leading dense blocks, else a {@link MoeFeedForward}. */
    public FeedForward feedForward(int layer) { return blocks[layer].ffn(); }

    /**
     * F32: the {@link LatentCache}; F16 or Q8_0: the latent rows rounded in a one-block paged pool,
     * run through {@link #forwardBatch} (Q8_0 needs kv_lora_rank + qk_rope_head_dim to be a
     * multiple of 32, as DeepSeek's 512 + 64 is).
     */
    @Override
    public ModelState newState(int maxTokens, DType kvType) {
        if (kvType == DType.F32) return newState(maxTokens);
        return new KvCache(PagedKvCache.latent(c.layers(), 1, maxTokens, c.kvLoraRank(), c.ropeDim(), kvType), maxTokens);
    }

    @Override
    public void forward(int[] ids, int off, int n, ModelState state, float[] logits, boolean allLogits) {
        if (n <= 0) throw new IllegalArgumentException("forward needs at least one token");
        int rows = allLogits ? n : 1;
        if (logits.length < rows * c.vocab()) {
            throw new IllegalArgumentException("logits array holds " + logits.length + " floats, needs " + rows * c.vocab());
        }
        if (state instanceof KvCache kv && kv.packed != null && kv.packed.values == null) { // rounded latent rows
            if (kv.length() + n > kv.capacity()) {
                throw new IllegalArgumentException("the sequence would reach " + (kv.length() + n) + " tokens but the cache holds " + kv.capacity());
            }
            forwardBatch(new PagedBatch().add(ids, off, n, kv.length(), new int[] {0}, rows), kv.packed, logits);
            kv.advance(n);
            return;
        }
        if (!(state instanceof LatentCache cache)) throw new IllegalArgumentException("DeepSeek2 needs the state from its newState()");
        int pos0 = cache.length(), d = c.dim();
        if (pos0 + n > cache.capacity()) {
            throw new IllegalArgumentException("the sequence would reach " + (pos0 + n) + " tokens but the cache holds " + cache.capacity());
        }
        float[] x = new float[n * d], h = new float[n * d], tmp = new float[n * d];
        tokens.forward(ids, off, n, x);
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            b.attnNorm().forward(x, 0, h, 0, n);
            b.attn().forward(h, n, pos0, cache.latent[l], cache.ropeKeys[l], tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * d);
            b.ffnNorm().forward(x, 0, h, 0, n);
            b.ffn().forward(h, n, tmp);
            Elementwise.add(x, 0, tmp, 0, x, 0, n * d);
        }
        cache.advance(n);
        outputNorm.forward(x, (n - rows) * d, h, 0, rows);
        output.forward(h, rows, logits);
    }

    // ---- continuous batching (PagedCausalLM): absorbed attention over paged latent rows ----

    @Override
    public PagedKvCache newPagedCache(int blocks, int blockSize, DType kvType) {
        return PagedKvCache.latent(c.layers(), blocks, blockSize, c.kvLoraRank(), c.ropeDim(), kvType);
    }

    @Override
    public long kvBytesPerToken(DType kvType) {
        return PagedKvCache.latentBytesPerToken(c.layers(), c.kvLoraRank(), c.ropeDim(), kvType);
    }

    /**
     * Every sequence's tokens through each projection and expert as one matrix; attention per
     * sequence over its own latent rows, always absorbed ({@link LatentAttention#attendPaged}):
     * the same math as {@link #forward} (which switches to decompressed attention for long
     * chunks), up to float summation order.
     */
    @Override
    public void forwardBatch(PagedBatch batch, PagedKvCache cache, float[] logits) {
        int seqs = batch.sequences(), n = batch.tokens(), d = c.dim(), rank = c.kvLoraRank(), width = rank + c.ropeDim();
        if (cache.values != null || cache.layers() != c.layers() || cache.keys[0].headDim() != width) {
            throw new IllegalArgumentException("the paged cache was not made for this model (use newPagedCache)");
        }
        batch.checkLogits(logits, c.vocab());
        int[] ids = batch.tokenIds(), start = batch.rowStarts(), rows = batch.rowCounts(), pos0 = batch.positions();
        int[][] tables = batch.tables();
        int bs = cache.blockSize();
        int[] positions = batch.checkedPositions(c.context(), c.vocab(), bs, "past the context of ");
        int heads = c.heads();
        float[] x = new float[n * d], h = new float[n * d], tmp = new float[n * d];
        float[] cacheRows = new float[n * width], qLat = new float[n * heads * rank], qPe = new float[n * heads * c.ropeDim()];
        float[] outLat = new float[n * heads * rank];
        tokens.forward(ids, 0, n, x);
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            b.attnNorm().forward(x, 0, h, 0, n);
            b.attn().projectAbsorbed(h, n, positions, cacheRows, qLat, qPe);
            cache.write(l, batch, cacheRows, null, width);
            LatentAttention.attendPaged(qLat, qPe, outLat, seqs, start, rows, pos0, tables, cache.keys[l], heads, rank,
                    c.ropeDim(), b.attn().scale());
            b.attn().outputAbsorbed(outLat, n, tmp);
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
