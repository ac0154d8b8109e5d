package dev.jllm.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * {@code {% generation %}...{% endgeneration %}}: transformers' extension that marks the assistant's
 * tokens (for training masks). For rendering it is its body, in a scope of its own as in Jinja.
 */
final class GenerationTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return "generation";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
            StringBuilder sb = new StringBuilder();
            for (Node child : tagNode.getChildren()) sb.append(child.render(interpreter).getValue());
            return sb.toString();
        }
    }
}
