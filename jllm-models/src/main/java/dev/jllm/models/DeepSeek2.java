package dev.jllm.models;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.nn.Embedding;
import dev.jllm.nn.FeedForward;
import dev.jllm.nn.Linear;
import dev.jllm.nn.MoeFeedForward;
import dev.jllm.nn.MultiHeadLatentAttention;
import dev.jllm.nn.RmsNorm;
import dev.jllm.nn.RotaryEmbedding;
import dev.jllm.nn.SwiGluFeedForward;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Elementwise;
import dev.jllm.tensor.kernel.ExpertRouting;
import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;

import java.util.Arrays;
import java.util.Set;

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
public final class DeepSeek2 implements CausalLM {

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
        Config c = Config.fromGguf(g);
        Set<String> names = g.tensorInfos().keySet();
        MoeWeights.Lookup w = new MoeWeights.Lookup(g, names::contains, name -> {
            if (!names.contains(name)) throw new IllegalArgumentException(g.path() + ": missing tensor " + name);
            return g.tensor(name);
        });
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
            MultiHeadLatentAttention.UpProjections up = names.contains(p + "attn_k_b.weight")
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
                float[] bias = names.contains(p + "exp_probs_b.bias") ? w.tensor().apply(p + "exp_probs_b.bias").toFloatArray() : null;
                ExpertRouting.Policy policy = new ExpertRouting.Policy(c.gating(), c.expertsUsed(), c.normalize(), c.routedScale(),
                        bias, c.groups(), c.groupsUsed());
                ffn = MoeWeights.bind(w, p, d, c.expertFfn(), c.sharedExperts() * c.expertFfn(), policy);
            }
            blocks[l] = new Block(new RmsNorm(vector(w, p + "attn_norm.weight", d), c.eps()), attn,
                    new RmsNorm(vector(w, p + "ffn_norm.weight", d), c.eps()), ffn);
        }
        Tensor emb = w.shaped("token_embd.weight", c.vocab(), d);
        Tensor out = names.contains("output.weight") ? w.shaped("output.weight", c.vocab(), d) : emb;
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

    /** Absorbed (default) or decompressed attention in every block; both read the same latent cache. */
    public void attentionMode(MultiHeadLatentAttention.Mode mode) {
        for (Block b : blocks) b.attn().mode(mode);
    }

    /** The feed-forward of block {@code layer}: SwiGLU for the leading dense blocks, else a {@link MoeFeedForward}. */
    public FeedForward feedForward(int layer) { return blocks[layer].ffn(); }

    @Override
    public void forward(int[] ids, int off, int n, ModelState state, float[] logits, boolean allLogits) {
        if (!(state instanceof LatentCache cache)) throw new IllegalArgumentException("DeepSeek2 needs the LatentCache from newState()");
        int pos0 = cache.length(), d = c.dim();
        if (n <= 0) throw new IllegalArgumentException("forward needs at least one token");
        if (pos0 + n > cache.capacity()) {
            throw new IllegalArgumentException("the sequence would reach " + (pos0 + n) + " tokens but the cache holds " + cache.capacity());
        }
        int rows = allLogits ? n : 1;
        if (logits.length < rows * c.vocab()) {
            throw new IllegalArgumentException("logits array holds " + logits.length + " floats, needs " + rows * c.vocab());
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
}
