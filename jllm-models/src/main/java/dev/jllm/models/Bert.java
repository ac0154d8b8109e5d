package dev.jllm.models;

import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Ops;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Attention;
import dev.jllm.tensor.kernel.PackedWeight;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family encoder (BERT, MiniLM, …): learned absolute positions and token types,
 * bidirectional attention, post-LayerNorm residual blocks, exact (erf) GELU.
 *
 * <p>A batch runs as one packed matrix: the real tokens of every sequence are stacked into
 * {@code [totalTokens, hidden]} so every projection is a single matrix x matrix product over
 * the whole batch; attention then runs per sequence over that sequence's own keys. This equals
 * a padded batch with an attention mask (padding keys get zero weight) without computing the
 * padding rows at all.
 *
 * <p>Weights load from HF safetensors ({@code BertModel} names, with or without a
 * {@code bert.} prefix), llama.cpp GGUF ({@code bert} arch) or an ONNX export's initializers
 * (see {@link BertWeights}).
 */
public final class Bert {
    /** Shape of the network; {@code heads} is not recoverable from weights alone. */
    public record Config(int hidden, int layers, int heads, int intermediate, int maxPositions, int typeVocab,
                         float eps) {
        public int headDim() { return hidden / heads; }
    }

    /** One transformer block; every weight is {@code [out, in]} heap F32. */
    record Layer(Tensor wq, Tensor bq, Tensor wk, Tensor bk, Tensor wv, Tensor bv, Tensor wo, Tensor bo,
                 Tensor attnNormW, Tensor attnNormB, Tensor wUp, Tensor bUp, Tensor wDown, Tensor bDown,
                 Tensor outNormW, Tensor outNormB) {}

    /** Optional sequence-classification head: tanh pooler over [CLS], then a linear classifier. */
    record Head(Tensor poolerW, Tensor poolerB, Tensor classifierW, Tensor classifierB) {}

    private final Config config;
    private final Tensor wordEmb, posEmb, typeEmb, embNormW, embNormB;
    private final List<Layer> layers;
    private final Head head;
    /** The layers' matrices packed once for GEMM (an encoder runs few rows per call: one sentence is ~30). */
    private final Map<Tensor, PackedWeight> packed = new IdentityHashMap<>();

    Bert(Config config, Tensor wordEmb, Tensor posEmb, Tensor typeEmb, Tensor embNormW, Tensor embNormB,
         List<Layer> layers, Head head) {
        this.config = config;
        this.wordEmb = wordEmb;
        this.posEmb = posEmb;
        this.typeEmb = typeEmb;
        this.embNormW = embNormW;
        this.embNormB = embNormB;
        this.layers = List.copyOf(layers);
        this.head = head;
        for (Layer l : this.layers) {
            for (Tensor w : List.of(l.wq, l.wk, l.wv, l.wo, l.wUp, l.wDown)) {
                if (w.dtype() == DType.F32 && w.isHeap() && (w.size(1) == 1 || w.strides()[1] == 1)) packed.put(w, PackedWeight.of(w));
            }
        }
    }

    /** {@code x·wᵀ + b} through the packed copy of {@code w} when there is one. */
    private Tensor linear(Tensor x, Tensor w, Tensor b) {
        PackedWeight p = packed.get(w);
        return p != null ? Ops.linear(x, p, b) : Ops.linear(x, w, b);
    }

    /** Loads from any supported weight file; {@code heads} overrides the file's head count (needed for ONNX). */
    public static Bert load(WeightFile file, Integer heads) {
        return BertWeights.load(file, heads);
    }

    public Config config() { return config; }

    public int vocabSize() { return wordEmb.size(0); }

    /** Whether the weights carry a sequence-classification (cross-encoder) head. */
    public boolean hasClassifier() { return head != null; }

    /** Number of classifier outputs, or 0 without a head. */
    public int numLabels() { return head == null ? 0 : head.classifierW.size(0); }

    /**
     * Last hidden states of each sequence: element {@code s} is {@code [len_s, hidden]} row-major.
     * {@code typeIds} may be null (all zero).
     */
    public float[][] encode(List<int[]> ids, List<int[]> typeIds) {
        int n = ids.size();
        int[] offsets = new int[n + 1];
        for (int s = 0; s < n; s++) {
            int len = ids.get(s).length;
            if (len > config.maxPositions) {
                throw new IllegalArgumentException("sequence " + s + " has " + len + " tokens; the model's position table holds "
                        + config.maxPositions + " (truncate when tokenizing)");
            }
            if (typeIds != null && typeIds.get(s).length != len) {
                throw new IllegalArgumentException("sequence " + s + ": " + typeIds.get(s).length + " type ids for " + len + " tokens");
            }
            offsets[s + 1] = offsets[s] + len;
        }
        int total = offsets[n];
        int h = config.hidden;
        float[][] out = new float[n][];
        if (total == 0) {
            for (int s = 0; s < n; s++) out[s] = new float[0];
            return out;
        }
        Tensor x = embed(ids, typeIds, offsets);
        for (Layer layer : layers) x = block(layer, x, offsets);
        float[] all = x.heapArray();
        for (int s = 0; s < n; s++) {
            out[s] = new float[(offsets[s + 1] - offsets[s]) * h];
            System.arraycopy(all, (int) x.offset() + offsets[s] * h, out[s], 0, out[s].length);
        }
        return out;
    }

    /** Cross-encoder logits per sequence ({@code [numLabels]} each) from the [CLS] hidden state. */
    public float[][] classify(List<int[]> ids, List<int[]> typeIds) {
        if (head == null) throw new IllegalStateException("these weights have no pooler/classifier head (not a *ForSequenceClassification model)");
        float[][] hidden = encode(ids, typeIds);
        int h = config.hidden;
        float[] cls = new float[hidden.length * h];
        for (int s = 0; s < hidden.length; s++) {
            if (hidden[s].length == 0) throw new IllegalArgumentException("sequence " + s + " is empty; a classifier needs [CLS]");
            System.arraycopy(hidden[s], 0, cls, s * h, h);
        }
        Tensor pooled = Ops.linear(Tensor.of(cls, hidden.length, h), head.poolerW, head.poolerB);
        float[] p = pooled.heapArray();
        for (int i = 0; i < p.length; i++) p[i] = (float) Math.tanh(p[i]);
        Tensor logits = Ops.linear(pooled, head.classifierW, head.classifierB);
        float[][] res = new float[hidden.length][];
        int labels = numLabels();
        float[] l = logits.toFloatArray();
        for (int s = 0; s < res.length; s++) res[s] = java.util.Arrays.copyOfRange(l, s * labels, (s + 1) * labels);
        return res;
    }

    /**
     * Every parameter under its Hugging Face {@code BertModel} name ({@code [out, in]} linear
     * weights), in a stable order; the head, when present, as {@code pooler.*} and {@code classifier.*}.
     */
    public Map<String, Tensor> hfTensors() {
        Map<String, Tensor> m = new java.util.LinkedHashMap<>();
        m.put("embeddings.word_embeddings.weight", wordEmb);
        m.put("embeddings.position_embeddings.weight", posEmb);
        m.put("embeddings.token_type_embeddings.weight", typeEmb);
        m.put("embeddings.LayerNorm.weight", embNormW);
        m.put("embeddings.LayerNorm.bias", embNormB);
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "encoder.layer." + i + ".";
            m.put(p + "attention.self.query.weight", l.wq);
            m.put(p + "attention.self.query.bias", l.bq);
            m.put(p + "attention.self.key.weight", l.wk);
            m.put(p + "attention.self.key.bias", l.bk);
            m.put(p + "attention.self.value.weight", l.wv);
            m.put(p + "attention.self.value.bias", l.bv);
            m.put(p + "attention.output.dense.weight", l.wo);
            m.put(p + "attention.output.dense.bias", l.bo);
            m.put(p + "attention.output.LayerNorm.weight", l.attnNormW);
            m.put(p + "attention.output.LayerNorm.bias", l.attnNormB);
            m.put(p + "intermediate.dense.weight", l.wUp);
            m.put(p + "intermediate.dense.bias", l.bUp);
            m.put(p + "output.dense.weight", l.wDown);
            m.put(p + "output.dense.bias", l.bDown);
            m.put(p + "output.LayerNorm.weight", l.outNormW);
            m.put(p + "output.LayerNorm.bias", l.outNormB);
        }
        if (head != null) {
            m.put("pooler.dense.weight", head.poolerW);
            m.put("pooler.dense.bias", head.poolerB);
            m.put("classifier.weight", head.classifierW);
            m.put("classifier.bias", head.classifierB);
        }
        return m;
    }

    private Tensor embed(List<int[]> ids, List<int[]> typeIds, int[] offsets) {
        int total = offsets[ids.size()];
        int[] tok = new int[total], pos = new int[total], typ = new int[total];
        for (int s = 0; s < ids.size(); s++) {
            int[] a = ids.get(s);
            for (int i = 0; i < a.length; i++) {
                int t = offsets[s] + i;
                if (a[i] < 0 || a[i] >= vocabSize()) throw new IllegalArgumentException("token id " + a[i] + " outside vocabulary [0, " + vocabSize() + ")");
                tok[t] = a[i];
                pos[t] = i;
                typ[t] = typeIds == null ? 0 : typeIds.get(s)[i];
                if (typ[t] < 0 || typ[t] >= config.typeVocab) throw new IllegalArgumentException("token type " + typ[t] + " outside [0, " + config.typeVocab + ")");
            }
        }
        Tensor e = Ops.add(Ops.add(Ops.embedding(wordEmb, tok), Ops.embedding(posEmb, pos)), Ops.embedding(typeEmb, typ));
        return Ops.layerNorm(e, embNormW, embNormB, config.eps);
    }

    private Tensor block(Layer l, Tensor x, int[] offsets) {
        Tensor q = linear(x, l.wq, l.bq), k = linear(x, l.wk, l.bk), v = linear(x, l.wv, l.bv);
        int h = config.hidden, heads = config.heads, hd = config.headDim();
        Tensor ctx = Tensor.zeros(x.shape());
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int s = 0; s + 1 < offsets.length; s++) {
            int len = offsets[s + 1] - offsets[s], off = offsets[s] * h;
            if (len == 0) continue;
            Attention.attend(q.heapArray(), off, len, 0, k.heapArray(), off, v.heapArray(), off, len,
                    heads, heads, hd, hd, scale, Attention.Mask.BIDIRECTIONAL, 0, ctx.heapArray(), off);
        }
        Tensor a = Ops.layerNorm(Ops.add(x, linear(ctx, l.wo, l.bo)), l.attnNormW, l.attnNormB, config.eps);
        Tensor up = Ops.gelu(linear(a, l.wUp, l.bUp));
        return Ops.layerNorm(Ops.add(a, linear(up, l.wDown, l.bDown)), l.outNormW, l.outNormB, config.eps);
    }
}
