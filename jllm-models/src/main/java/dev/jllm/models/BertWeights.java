package dev.jllm.models;

import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the three on-disk layouts of a BERT encoder onto {@link Bert}'s parameters.
 *
 * <ul>
 *   <li><b>HF safetensors</b>: {@code embeddings.word_embeddings.weight}, {@code encoder.layer.N.attention.self.query.weight}, …
 *       optionally under {@code bert.}; linear weights are {@code [out, in]}. The head count and
 *       LayerNorm epsilon come from {@code config.json} beside the weights.</li>
 *   <li><b>GGUF</b> ({@code general.architecture = bert}, llama.cpp names): {@code token_embd},
 *       {@code position_embd}, {@code token_types}, {@code token_embd_norm}, {@code blk.N.attn_q|k|v|output},
 *       {@code blk.N.attn_output_norm}, {@code blk.N.ffn_up|down}, {@code blk.N.layer_output_norm}.</li>
 *   <li><b>ONNX</b> (PyTorch export, e.g. all-MiniLM-L6-v2): biases and norms keep their HF names, but
 *       the exporter folds each Linear into a MatMul whose right operand is stored pre-transposed
 *       ({@code [in, out]}) under an anonymous name {@code onnx::MatMul_NNN}. The exporter numbers
 *       them in graph order, which per layer is query, key, value, attention output,
 *       intermediate, output; they are resolved by sorting on that number and checking each
 *       group of six has the expected shapes ({@code [h,h]} x4, {@code [h,i]}, {@code [i,h]}).
 *       The head count is not stored in the initializers, so the caller passes it.</li>
 * </ul>
 * Every parameter is copied once into heap F32 {@code [out, in]} so projections run on GEMM.
 */
final class BertWeights {
    private static final Pattern ONNX_MATMUL = Pattern.compile("onnx::MatMul_(\\d+)");

    private BertWeights() {}

    static Bert load(WeightFile f, Integer heads) {
        return switch (f.format()) {
            case "gguf" -> gguf(f, heads);
            case "onnx" -> onnx(f, heads);
            default -> hf(f, heads);
        };
    }

    private static Tensor heap(Tensor t) { return Tensor.of(t.toFloatArray(), t.shape()); }

    private static Tensor transposed(Tensor t) { return heap(t.transpose(0, 1)); }

    private static boolean has(WeightFile f, String name) {
        for (TensorEntry e : f.entries()) if (e.name().equals(name)) return true;
        return false;
    }

    private static Tensor need(WeightFile f, String name) {
        if (!has(f, name)) throw new IllegalArgumentException(f.path() + ": BERT weight '" + name + "' is missing");
        return heap(f.tensor(name));
    }

    private static Bert hf(WeightFile f, Integer heads) {
        String p = has(f, "bert.embeddings.word_embeddings.weight") ? "bert." : "";
        if (!has(f, p + "embeddings.word_embeddings.weight")) {
            throw new IllegalArgumentException(f.path() + ": not a BERT checkpoint (no embeddings.word_embeddings.weight)");
        }
        HfConfig cfg;
        try {
            cfg = ModelFiles.configFor(f.path());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (heads == null && cfg == null) throw new IllegalArgumentException(f.path() + ": no config.json beside the weights to give num_attention_heads");
        int nHeads = heads != null ? heads : cfg.numAttentionHeads();
        float eps = cfg != null && cfg.layerNormEps() != null ? cfg.layerNormEps().floatValue() : 1e-12f;
        return assemble(f, p, nHeads, eps, name -> need(f, name), i -> need(f, i));
    }

    /** Shared HF/ONNX assembly; {@code linear} returns a Linear weight as {@code [out, in]}. */
    private static Bert assemble(WeightFile f, String p, int heads, float eps, Function<String, Tensor> linear,
                                 Function<String, Tensor> plain) {
        Tensor word = plain.apply(p + "embeddings.word_embeddings.weight");
        Tensor pos = plain.apply(p + "embeddings.position_embeddings.weight");
        Tensor typ = plain.apply(p + "embeddings.token_type_embeddings.weight");
        int nLayers = 0;
        while (has(f, p + "encoder.layer." + nLayers + ".attention.self.query.bias")) nLayers++;
        List<Bert.Layer> layers = new ArrayList<>();
        int inter = 0;
        for (int i = 0; i < nLayers; i++) {
            String l = p + "encoder.layer." + i + ".";
            Bert.Layer layer = new Bert.Layer(
                    linear.apply(l + "attention.self.query.weight"), plain.apply(l + "attention.self.query.bias"),
                    linear.apply(l + "attention.self.key.weight"), plain.apply(l + "attention.self.key.bias"),
                    linear.apply(l + "attention.self.value.weight"), plain.apply(l + "attention.self.value.bias"),
                    linear.apply(l + "attention.output.dense.weight"), plain.apply(l + "attention.output.dense.bias"),
                    plain.apply(l + "attention.output.LayerNorm.weight"), plain.apply(l + "attention.output.LayerNorm.bias"),
                    linear.apply(l + "intermediate.dense.weight"), plain.apply(l + "intermediate.dense.bias"),
                    linear.apply(l + "output.dense.weight"), plain.apply(l + "output.dense.bias"),
                    plain.apply(l + "output.LayerNorm.weight"), plain.apply(l + "output.LayerNorm.bias"));
            inter = layer.wUp().size(0);
            layers.add(layer);
        }
        Bert.Head head = null;
        String pool = p.isEmpty() && has(f, "bert.pooler.dense.weight") ? "bert." : p;
        if (has(f, "classifier.weight") && has(f, pool + "pooler.dense.weight")) {
            head = new Bert.Head(need(f, pool + "pooler.dense.weight"), need(f, pool + "pooler.dense.bias"),
                    need(f, "classifier.weight"), need(f, "classifier.bias"));
        }
        int hidden = word.size(1);
        check(f, hidden, heads);
        Bert.Config c = new Bert.Config(hidden, nLayers, heads, inter, pos.size(0), typ.size(0), eps);
        return new Bert(c, word, pos, typ, plain.apply(p + "embeddings.LayerNorm.weight"),
                plain.apply(p + "embeddings.LayerNorm.bias"), layers, head);
    }

    private static void check(WeightFile f, int hidden, int heads) {
        if (heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException(f.path() + ": hidden size " + hidden + " is not divisible by " + heads + " heads");
        }
    }

    private static Bert onnx(WeightFile f, Integer heads) {
        if (heads == null) {
            try {
                HfConfig cfg = ModelFiles.configFor(f.path());
                if (cfg != null) heads = cfg.numAttentionHeads();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (heads == null) {
            throw new IllegalArgumentException(f.path() + ": ONNX initializers do not record the attention head count; pass it");
        }
        List<TensorEntry> mats = new ArrayList<>();
        for (TensorEntry e : f.entries()) if (ONNX_MATMUL.matcher(e.name()).matches()) mats.add(e);
        mats.sort(Comparator.comparingInt(e -> {
            Matcher m = ONNX_MATMUL.matcher(e.name());
            m.matches();
            return Integer.parseInt(m.group(1));
        }));
        int nLayers = 0;
        while (has(f, "encoder.layer." + nLayers + ".attention.self.query.bias")) nLayers++;
        if (mats.size() != 6 * nLayers) {
            throw new IllegalArgumentException(f.path() + ": expected 6 MatMul weights per layer (" + 6 * nLayers + "), found " + mats.size());
        }
        String[] roles = {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                "intermediate.dense", "output.dense"};
        Map<String, TensorEntry> byName = new java.util.HashMap<>();
        for (int i = 0; i < nLayers; i++) {
            long h = f.tensor("encoder.layer." + i + ".attention.self.query.bias").dim(0);
            long inter = f.tensor("encoder.layer." + i + ".intermediate.dense.bias").dim(0);
            long[][] want = {{h, h}, {h, h}, {h, h}, {h, h}, {h, inter}, {inter, h}};
            for (int r = 0; r < 6; r++) {
                TensorEntry e = mats.get(6 * i + r);
                long[] shape = f.tensor(e.name()).shape();
                if (!java.util.Arrays.equals(shape, want[r])) {
                    throw new IllegalArgumentException(f.path() + ": " + e.name() + " taken as layer " + i + " " + roles[r]
                            + " should be " + java.util.Arrays.toString(want[r]) + " ([in, out]), found " + java.util.Arrays.toString(shape));
                }
                byName.put("encoder.layer." + i + "." + roles[r] + ".weight", e);
            }
        }
        return assemble(f, "", heads, 1e-12f, name -> transposed(f.tensor(byName.get(name).name())), name -> need(f, name));
    }

    private static Bert gguf(WeightFile f, Integer heads) {
        Map<String, Object> md = f.metadata();
        String arch = String.valueOf(md.get("general.architecture"));
        if (!"bert".equals(arch)) throw new IllegalArgumentException(f.path() + ": GGUF architecture is '" + arch + "', expected 'bert'");
        int nHeads = heads != null ? heads : ((Number) required(f, md, "bert.attention.head_count")).intValue();
        Object epsV = md.get("bert.attention.layer_norm_epsilon");
        float eps = epsV == null ? 1e-12f : ((Number) epsV).floatValue();
        int nLayers = ((Number) required(f, md, "bert.block_count")).intValue();
        Tensor word = need(f, "token_embd.weight"), pos = need(f, "position_embd.weight"), typ = need(f, "token_types.weight");
        List<Bert.Layer> layers = new ArrayList<>();
        for (int i = 0; i < nLayers; i++) {
            String b = "blk." + i + ".";
            layers.add(new Bert.Layer(
                    need(f, b + "attn_q.weight"), need(f, b + "attn_q.bias"), need(f, b + "attn_k.weight"), need(f, b + "attn_k.bias"),
                    need(f, b + "attn_v.weight"), need(f, b + "attn_v.bias"), need(f, b + "attn_output.weight"), need(f, b + "attn_output.bias"),
                    need(f, b + "attn_output_norm.weight"), need(f, b + "attn_output_norm.bias"),
                    need(f, b + "ffn_up.weight"), need(f, b + "ffn_up.bias"), need(f, b + "ffn_down.weight"), need(f, b + "ffn_down.bias"),
                    need(f, b + "layer_output_norm.weight"), need(f, b + "layer_output_norm.bias")));
        }
        int hidden = word.size(1);
        check(f, hidden, nHeads);
        int inter = nLayers == 0 ? 0 : layers.getFirst().wUp().size(0);
        return new Bert(new Bert.Config(hidden, nLayers, nHeads, inter, pos.size(0), typ.size(0), eps), word, pos, typ,
                need(f, "token_embd_norm.weight"), need(f, "token_embd_norm.bias"), layers, null);
    }

    private static Object required(WeightFile f, Map<String, Object> md, String key) {
        Object v = md.get(key);
        if (!(v instanceof Number)) throw new IllegalArgumentException(f.path() + ": GGUF metadata '" + key + "' is missing or not a number");
        return v;
    }
}
