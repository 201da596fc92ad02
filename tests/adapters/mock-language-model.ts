import type { LanguageModelV3CallOptions, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { MockLanguageModelV3 } from "ai/test";

const USAGE = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** A model that calls one tool with `input` (raw JSON text) on its first turn, then answers "done". */
export function callsToolOnce(toolName: string, input: string, toolCallId = "call_0"): { model: MockLanguageModelV3; prompts: LanguageModelV3CallOptions[] } {
  const prompts: LanguageModelV3CallOptions[] = [];
  const model = new MockLanguageModelV3({
    doGenerate: async (options): Promise<LanguageModelV3GenerateResult> => {
      prompts.push(options);
      const answered = options.prompt.some((message) => message.role === "tool");
      if (answered) return { content: [{ type: "text", text: "done" }], finishReason: { unified: "stop", raw: "stop" }, usage: USAGE, warnings: [] };
      return {
        content: [{ type: "tool-call", toolCallId, toolName, input }],
        finishReason: { unified: "tool-calls", raw: "tool_calls" },
        usage: USAGE,
        warnings: [],
      };
    },
  });
  return { model, prompts };
}
