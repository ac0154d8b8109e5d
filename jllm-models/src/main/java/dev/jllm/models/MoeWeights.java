package dev.jllm.models;

import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.WeightFile;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.formats.hf.MoeConfig;
import dev.jllm.nn.Linear;
import dev.jllm.nn.MoeFeedForward;
import dev.jllm.nn.SwiGluFeedForward;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.ExpertRouting;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds the mixture-of-experts feed-forward of one block from llama.cpp's tensors:
 * {@code ffn_gate_inp} (router [experts, dim]), the experts merged into 3-D
 * {@code ffn_gate_exps / ffn_up_exps} [experts, ffn, dim] and {@code ffn_down_exps}
 * [experts, dim, ffn] (one 2-D view per expert, no copy; older files with one
 * {@code ffn_gate.E} tensor per expert also load), and an optional shared expert
 * {@code ffn_{gate,up,down}_shexp} with its optional sigmoid gate {@code ffn_gate_inp_shexp}.
 */
final class MoeWeights {
    private MoeWeights() {}

    /** Looks tensors up by llama.cpp name; {@code tensor} fails naming a missing one. */
    record Lookup(WeightFile file, Predicate<String> has, Function<String, Tensor> tensor) {
        Tensor shaped(String name, long... shape) {
            Tensor t = tensor.apply(name);
            if (!Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException(file.path() + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(shape));
            }
            return t;
        }
    }

    /** Whether block {@code prefix} ("blk.N.") is a mixture of experts. */
    static boolean present(Lookup g, String prefix) { return g.has().test(prefix + "ffn_gate_inp.weight"); }

    /**
     * The routing policy llama.cpp applies to the Llama-family MoE archs: softmax gating; top-k
     * renormalized for Mixtral ({@code llama}) and {@code qwen3moe}, not for {@code qwen2moe}
     * (HF's norm_topk_prob false), unless {@code {arch}.expert_weights_norm} says otherwise.
     */
    static ExpertRouting.Policy llamaFamilyPolicy(GgufFile g, String arch) {
        int used = (int) required(g, arch + ".expert_used_count");
        boolean normalize = g.bool(arch + ".expert_weights_norm", !arch.equals("qwen2moe"));
        return ExpertRouting.Policy.softmax(used, normalize);
    }

    /**
     * The MoE feed-forward of a Llama-family block (Mixtral, qwen2moe, qwen3moe): widths and
     * routing from the GGUF metadata, or for an HF checkpoint from the config.json beside it
     * ({@code num_experts_per_tok}, {@code moe_intermediate_size}, {@code shared_expert_intermediate_size},
     * {@code norm_topk_prob}; Mixtral always renormalizes).
     */
    static MoeFeedForward bindLlamaFamily(Lookup g, String p, String arch, int dim, int ffn) {
        if (g.file() instanceof GgufFile gguf) {
            return bind(g, p, dim, (int) gguf.integer(arch + ".expert_feed_forward_length", ffn),
                    (int) gguf.integer(arch + ".expert_shared_feed_forward_length", 0), llamaFamilyPolicy(gguf, arch));
        }
        HfConfig h;
        try {
            h = ModelFiles.configFor(g.file().path());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MoeConfig m = h == null ? null : h.moe();
        if (m == null) throw new IllegalArgumentException(g.file().path() + ": expert tensors but no num_experts / num_local_experts in config.json");
        boolean normalize = arch.equals("llama") || Boolean.TRUE.equals(m.normTopkProb());
        return bind(g, p, dim, m.moeIntermediateSize() != null ? m.moeIntermediateSize() : ffn,
                h.raw().path("shared_expert_intermediate_size").asInt(0), ExpertRouting.Policy.softmax(m.numExpertsPerTok(), normalize));
    }

    private static final Pattern EXPERT = Pattern.compile("blk\\.(\\d+)\\.ffn_(gate|up|down)(?:\\.(\\d+)|_shexp|_inp|_inp_shexp)\\.weight");

    /**
     * HF names of the MoE tensors of {@code mixtral} ({@code block_sparse_moe.gate},
     * {@code block_sparse_moe.experts.E.w1/w3/w2}) and {@code qwen2_moe} / {@code qwen3_moe}
     * ({@code mlp.gate}, {@code mlp.experts.E.gate_proj/up_proj/down_proj}, {@code mlp.shared_expert.*},
     * {@code mlp.shared_expert_gate}); every other name goes to {@code dense}.
     */
    static UnaryOperator<String> hfNames(String modelType, UnaryOperator<String> dense) {
        boolean mixtral = "mixtral".equals(modelType);
        return name -> {
            Matcher m = EXPERT.matcher(name);
            if (!m.matches() || (m.group(3) == null && !name.contains("_shexp") && !name.contains("_inp"))) return dense.apply(name);
            String layer = "model.layers." + m.group(1) + ".", kind = m.group(2);
            if (name.endsWith("ffn_gate_inp.weight")) return layer + (mixtral ? "block_sparse_moe.gate.weight" : "mlp.gate.weight");
            if (name.endsWith("ffn_gate_inp_shexp.weight")) return layer + "mlp.shared_expert_gate.weight";
            if (name.contains("_shexp")) return layer + "mlp.shared_expert." + kind + "_proj.weight";
            String e = m.group(3);
            if (mixtral) return layer + "block_sparse_moe.experts." + e + "." + switch (kind) { case "gate" -> "w1"; case "up" -> "w3"; default -> "w2"; } + ".weight";
            return layer + "mlp.experts." + e + "." + kind + "_proj.weight";
        };
    }

    static long required(GgufFile g, String key) {
        if (!g.metadata().containsKey(key)) throw new IllegalArgumentException(g.path() + ": a mixture-of-experts model needs " + key);
        return g.integer(key);
    }

    /**
     * @param ffn rows of each routed expert's gate/up ({@code {arch}.expert_feed_forward_length},
     *            or {@code feed_forward_length} for Mixtral)
     * @param sharedFfn rows of the shared expert, 0 to take them from its tensor
     */
    static MoeFeedForward bind(Lookup g, String p, int dim, int ffn, int sharedFfn, ExpertRouting.Policy policy) {
        Tensor router = g.tensor().apply(p + "ffn_gate_inp.weight");
        if (router.rank() != 2 || router.dim(1) != dim) {
            throw new IllegalArgumentException(g.file().path() + ": tensor " + p + "ffn_gate_inp.weight has shape "
                    + Arrays.toString(router.shape()) + ", expected [experts, " + dim + "]");
        }
        int count = router.size(0);
        if (g.file() instanceof GgufFile gg) {
            String arch = gg.string("general.architecture");
            long declared = gg.integer(arch + ".expert_count", count);
            if (declared != count) {
                throw new IllegalArgumentException(gg.path() + ": " + arch + ".expert_count is " + declared + " but "
                        + p + "ffn_gate_inp.weight routes to " + count + " experts");
            }
        }
        SwiGluFeedForward[] experts = new SwiGluFeedForward[count];
        if (g.has().test(p + "ffn_gate_exps.weight")) {
            Tensor gate = g.shaped(p + "ffn_gate_exps.weight", count, ffn, dim);
            Tensor up = g.shaped(p + "ffn_up_exps.weight", count, ffn, dim);
            Tensor down = g.shaped(p + "ffn_down_exps.weight", count, dim, ffn);
            for (int e = 0; e < count; e++) {
                experts[e] = new SwiGluFeedForward(new Linear(gate.select(0, e), null), new Linear(up.select(0, e), null),
                        new Linear(down.select(0, e), null));
            }
        } else {
            for (int e = 0; e < count; e++) {
                experts[e] = new SwiGluFeedForward(new Linear(g.shaped(p + "ffn_gate." + e + ".weight", ffn, dim), null),
                        new Linear(g.shaped(p + "ffn_up." + e + ".weight", ffn, dim), null),
                        new Linear(g.shaped(p + "ffn_down." + e + ".weight", dim, ffn), null));
            }
        }
        SwiGluFeedForward shared = null;
        float[] sharedGate = null;
        if (g.has().test(p + "ffn_gate_shexp.weight")) {
            int s = sharedFfn > 0 ? sharedFfn : g.tensor().apply(p + "ffn_gate_shexp.weight").size(0);
            shared = new SwiGluFeedForward(new Linear(g.shaped(p + "ffn_gate_shexp.weight", s, dim), null),
                    new Linear(g.shaped(p + "ffn_up_shexp.weight", s, dim), null),
                    new Linear(g.shaped(p + "ffn_down_shexp.weight", dim, s), null));
            if (g.has().test(p + "ffn_gate_inp_shexp.weight")) {
                Tensor t = g.tensor().apply(p + "ffn_gate_inp_shexp.weight");
                if (t.numel() != dim) {
                    throw new IllegalArgumentException(g.file().path() + ": tensor " + p + "ffn_gate_inp_shexp.weight has "
                            + t.numel() + " values, expected " + dim);
                }
                sharedGate = t.toFloatArray();
            }
        }
        return new MoeFeedForward(new Linear(router, null), experts, policy, shared, sharedGate);
    }
}
