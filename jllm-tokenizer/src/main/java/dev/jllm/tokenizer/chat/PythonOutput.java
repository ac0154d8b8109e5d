package dev.jllm.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

/**
 * Prints {@code {{ expr }}} as Python's str() would (True, False, 1.0, ['a', 'b']); never re-renders
 * output that happens to contain "{{" (jinjava's nested interpretation), never HTML-escapes.
 * An undefined value and None both print as "" (jinjava does not tell them apart).
 */
final class PythonOutput implements ExpressionStrategy {
    private static final long serialVersionUID = 1L;

    @Override
    public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
        Object v = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
        return new RenderedOutputNode(v == null ? "" : TemplateValues.pythonStr(v));
    }
}
