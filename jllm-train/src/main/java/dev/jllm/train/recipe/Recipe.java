package dev.jllm.train.recipe;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.List;

/**
 * A training recipe: everything that decides a run, read from YAML ({@link RecipeReader}).
 * Field names in the file are snake_case; every field has a default except the model size,
 * and {@link #validate()} rejects impossible combinations with a message naming the field.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public final class Recipe {
    public String name = "run";
    public long seed = 1234;
    public Model model = new Model();
    public TokenizerSpec tokenizer = new TokenizerSpec();
    public Data data = new Data();
    public OptimizerSpec optimizer = new OptimizerSpec();
    public Schedule schedule = new Schedule();
    public Training training = new Training();

    /** Architecture and size. */
    public static final class Model {
        /** Only "llama" (RMSNorm, RoPE, SwiGLU, GQA) today. */
        public String family = "llama";
        public int dim;
        public int layers;
        public int heads;
        /** Key/value heads (grouped-query attention); 0 means as many as {@link #heads}. */
        public int kvHeads;
        /** SwiGLU hidden width; 0 means the Llama rule: 8/3 · dim rounded up to a multiple of 32. */
        public int ffn;
        public int context = 256;
        public boolean tiedEmbeddings = true;
        public double ropeTheta = 10000;
        public double normEps = 1e-5;

        @JsonIgnore public int kvHeadsOrDefault() { return kvHeads == 0 ? heads : kvHeads; }

        @JsonIgnore public int ffnOrDefault() { return ffn != 0 ? ffn : (8 * dim / 3 + 31) / 32 * 32; }
    }

    /** Either train a byte-level BPE on the training split ({@code train_vocab}) or load one ({@code path}). */
    public static final class TokenizerSpec {
        /** A tokenizer.json, a directory holding one, or a .gguf whose tokenizer to use. */
        public String path;
        /** Vocabulary size to learn (special token and 256 byte symbols included). */
        public int trainVocab;
        public long minFrequency = 2;
        /** Pre-tokenizer split: gpt2 (what GGUF export maps to tokenizer.ggml.pre = gpt2). */
        public String pattern = "gpt2";
    }

    public static final class Data {
        /** JSONL (.gz) with a "text" field, a text file, or a directory of them; relative paths are looked up from the working directory, then from the recipe's project root. */
        public String path;
        /** Fraction of documents held out for validation (by document, chosen by the seed). */
        public double valFraction = 0.05;
        /** Attend only within a document when sequences are packed. */
        public boolean docMasking = true;
        /** Use only the first N documents (0 = all): for quick tests. */
        public int maxDocs;
        /** At most this many validation tokens are scored per evaluation. */
        public long valTokens = 65536;
    }

    public static final class OptimizerSpec {
        /** adamw | muon | lion | adafactor | sgd */
        public String name = "adamw";
        public double lr = 3e-3;
        public double beta1 = 0.9;
        public double beta2 = 0.95;
        public double eps = 1e-8;
        public double weightDecay = 0.1;
        /** sgd and muon momentum. */
        public double momentum = 0.95;
        public boolean nesterov = true;
        /** muon: the AdamW learning rate for embeddings, norms and the head, as a fraction of lr. */
        public double adamwLrRatio = 0.015;
    }

    public static final class Schedule {
        /** cosine | wsd | constant */
        public String type = "cosine";
        public long warmup = 100;
        /** Floor of the decay, as a fraction of the peak learning rate. */
        public double minLrRatio = 0.1;
        /** wsd: fraction of the steps spent cooling down at the end. */
        public double decayFraction = 0.2;
        /** wsd cooldown shape: linear | cosine | sqrt */
        public String cooldown = "linear";
    }

    public static final class Training {
        /** Sequences per micro-batch. */
        public int batch = 8;
        /** Micro-batches per optimizer step (tokens per step = batch · context · accumulation). */
        public int accumulation = 1;
        public long steps = 1000;
        /** Global gradient-norm clip; 0 = off. */
        public double gradClip = 1.0;
        public long evalInterval = 100;
        public long checkpointInterval = 500;
        /** Checkpoints kept on disk (oldest deleted first); the last is always kept. */
        public int keepCheckpoints = 2;
        public long logInterval = 10;
        /** f32 | bf16: bf16 keeps the model's weights rounded to bfloat16 and steps F32 master copies. */
        public String precision = "f32";
    }

    /** Throws {@link IllegalArgumentException} naming the first impossible setting. */
    public Recipe validate() {
        List<String> bad = new ArrayList<>();
        Model m = model;
        if (m == null) throw new IllegalArgumentException("recipe: 'model' is required");
        if (!"llama".equals(m.family)) bad.add("model.family: '" + m.family + "' is not supported (supported: llama)");
        if (m.dim <= 0) bad.add("model.dim must be > 0, got " + m.dim);
        if (m.layers <= 0) bad.add("model.layers must be > 0, got " + m.layers);
        if (m.heads <= 0) bad.add("model.heads must be > 0, got " + m.heads);
        else if (m.dim > 0 && m.dim % m.heads != 0) bad.add("model.heads (" + m.heads + ") must divide model.dim (" + m.dim + ")");
        else if (m.dim > 0 && (m.dim / m.heads) % 2 != 0) bad.add("model.dim / model.heads = " + (m.dim / m.heads) + " must be even (RoPE rotates pairs)");
        if (m.kvHeads < 0) bad.add("model.kv_heads must be >= 0, got " + m.kvHeads);
        else if (m.heads > 0 && m.heads % m.kvHeadsOrDefault() != 0) {
            bad.add("model.kv_heads (" + m.kvHeads + ") must divide model.heads (" + m.heads + ")");
        }
        if (m.ffn < 0) bad.add("model.ffn must be >= 0, got " + m.ffn);
        if (m.context < 2) bad.add("model.context must be >= 2, got " + m.context);
        if (!(m.ropeTheta > 0)) bad.add("model.rope_theta must be > 0, got " + m.ropeTheta);
        if (!(m.normEps > 0)) bad.add("model.norm_eps must be > 0, got " + m.normEps);
        TokenizerSpec t = tokenizer;
        if (t == null) bad.add("tokenizer: give 'path' or 'train_vocab'");
        else {
            if ((t.path == null) == (t.trainVocab <= 0)) bad.add("tokenizer: give exactly one of 'path' or 'train_vocab' (> 0)");
            if (t.trainVocab > 0 && t.trainVocab < 258) bad.add("tokenizer.train_vocab must be >= 258 (256 bytes + <|endoftext|> + one merge), got " + t.trainVocab);
            if (t.minFrequency < 1) bad.add("tokenizer.min_frequency must be >= 1, got " + t.minFrequency);
            if (!"gpt2".equals(t.pattern) && !"cl100k".equals(t.pattern)) bad.add("tokenizer.pattern must be gpt2 or cl100k, got '" + t.pattern + "'");
        }
        Data d = data;
        if (d == null || d.path == null || d.path.isBlank()) bad.add("data.path is required");
        if (d != null) {
            if (!(d.valFraction >= 0 && d.valFraction < 1)) bad.add("data.val_fraction must be in [0, 1), got " + d.valFraction);
            if (d.maxDocs < 0) bad.add("data.max_docs must be >= 0, got " + d.maxDocs);
            if (d.valTokens < 1) bad.add("data.val_tokens must be >= 1, got " + d.valTokens);
        }
        OptimizerSpec o = optimizer;
        if (o == null) bad.add("optimizer is required");
        else {
            if (!List.of("adamw", "muon", "lion", "adafactor", "sgd").contains(o.name)) {
                bad.add("optimizer.name: '" + o.name + "' is not known (known: adamw, muon, lion, adafactor, sgd)");
            }
            if (!(o.lr > 0) || Double.isInfinite(o.lr)) bad.add("optimizer.lr must be > 0, got " + o.lr);
            if (!(o.weightDecay >= 0)) bad.add("optimizer.weight_decay must be >= 0, got " + o.weightDecay);
        }
        Schedule s = schedule;
        Training tr = training;
        if (tr == null) bad.add("training is required");
        else {
            if (tr.batch < 1) bad.add("training.batch must be >= 1, got " + tr.batch);
            if (tr.accumulation < 1) bad.add("training.accumulation must be >= 1, got " + tr.accumulation);
            if (tr.steps < 1) bad.add("training.steps must be >= 1, got " + tr.steps);
            if (!(tr.gradClip >= 0)) bad.add("training.grad_clip must be >= 0, got " + tr.gradClip);
            if (tr.evalInterval < 0) bad.add("training.eval_interval must be >= 0, got " + tr.evalInterval);
            if (tr.checkpointInterval < 0) bad.add("training.checkpoint_interval must be >= 0, got " + tr.checkpointInterval);
            if (tr.keepCheckpoints < 1) bad.add("training.keep_checkpoints must be >= 1, got " + tr.keepCheckpoints);
            if (tr.logInterval < 1) bad.add("training.log_interval must be >= 1, got " + tr.logInterval);
            if (!List.of("f32", "bf16").contains(tr.precision)) bad.add("training.precision: '" + tr.precision + "' is not known (known: f32, bf16)");
        }
        if (s == null) bad.add("schedule is required");
        else {
            if (!List.of("cosine", "wsd", "constant").contains(s.type)) bad.add("schedule.type: '" + s.type + "' is not known (known: cosine, wsd, constant)");
            if (s.warmup < 0) bad.add("schedule.warmup must be >= 0, got " + s.warmup);
            else if (tr != null && s.warmup > tr.steps) bad.add("schedule.warmup (" + s.warmup + ") exceeds training.steps (" + tr.steps + ")");
            if (!(s.minLrRatio >= 0 && s.minLrRatio <= 1)) bad.add("schedule.min_lr_ratio must be in [0, 1], got " + s.minLrRatio);
            if (!(s.decayFraction >= 0 && s.decayFraction <= 1)) bad.add("schedule.decay_fraction must be in [0, 1], got " + s.decayFraction);
            if (!List.of("linear", "cosine", "sqrt").contains(s.cooldown)) bad.add("schedule.cooldown: '" + s.cooldown + "' is not known (known: linear, cosine, sqrt)");
        }
        if (!bad.isEmpty()) throw new IllegalArgumentException("recipe '" + name + "': " + String.join("; ", bad));
        return this;
    }

    /** Tokens the model sees per optimizer step. */
    @JsonIgnore
    public long tokensPerStep() { return (long) training.batch * model.context * training.accumulation; }
}
