package dev.jllm.train;

import dev.jllm.nn.Parameter;
import dev.jllm.nn.optim.Adafactor;
import dev.jllm.nn.optim.AdamW;
import dev.jllm.nn.optim.Lion;
import dev.jllm.nn.optim.MixedPrecision;
import dev.jllm.nn.optim.LrSchedule;
import dev.jllm.nn.optim.Muon;
import dev.jllm.nn.optim.Optimizer;
import dev.jllm.nn.optim.Sgd;
import dev.jllm.train.recipe.Recipe;

import java.util.List;
import java.util.Locale;

/** The optimizer and learning-rate schedule a recipe names. */
public final class Optimizers {
    private Optimizers() {}

    /**
     * The recipe's optimizer; with {@code precision} bf16 it is wrapped in {@link MixedPrecision}
     * (the model holds bfloat16-rounded weights, the optimizer steps F32 masters).
     */
    public static Optimizer create(Recipe.OptimizerSpec o, String precision, List<Parameter> params) {
        return switch (precision) {
            case "f32" -> create(o, params);
            case "bf16" -> new MixedPrecision(params, masters -> create(o, masters));
            default -> throw new IllegalArgumentException("training.precision: '" + precision + "' is not known (known: f32, bf16)");
        };
    }

    public static Optimizer create(Recipe.OptimizerSpec o, List<Parameter> params) {
        return switch (o.name) {
            case "adamw" -> new AdamW(params, new AdamW.Config(o.beta1, o.beta2, o.eps, o.weightDecay));
            case "muon" -> new Muon(params, new Muon.Config(o.momentum, o.nesterov, 5, o.weightDecay, o.adamwLrRatio,
                    new AdamW.Config(o.beta1, o.beta2, o.eps, o.weightDecay)));
            case "lion" -> new Lion(params, new Lion.Config(o.beta1, o.beta2, o.weightDecay));
            case "adafactor" -> new Adafactor(params, Adafactor.Config.externalLr().withWeightDecay(o.weightDecay));
            case "sgd" -> new Sgd(params, new Sgd.Config(o.momentum, 0, o.nesterov && o.momentum > 0, o.weightDecay));
            default -> throw new IllegalArgumentException("optimizer.name: '" + o.name + "' is not known (known: adamw, muon, lion, adafactor, sgd)");
        };
    }

    public static LrSchedule schedule(Recipe.Schedule s, double peak, long steps) {
        double min = peak * s.minLrRatio;
        return switch (s.type) {
            case "cosine" -> LrSchedule.warmupCosine(peak, min, s.warmup, steps);
            case "wsd" -> LrSchedule.warmupStableDecay(peak, min, s.warmup, steps, s.decayFraction,
                    LrSchedule.Cooldown.valueOf(s.cooldown.toUpperCase(Locale.ROOT)));
            case "constant" -> {
                long w = s.warmup;
                yield step -> step < w ? peak * step / w : peak; // the same warmup convention as the others
            }
            default -> throw new IllegalArgumentException("schedule.type: '" + s.type + "' is not known (known: cosine, wsd, constant)");
        };
    }
}
