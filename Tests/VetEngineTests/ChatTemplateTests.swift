import Foundation
import Testing
import VetTestSupport
@testable import VetEngine

@Suite("Chat templates", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct ChatTemplateTests {
    static let smolTemplate = """
    {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system
    You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
    ' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
    """

    @Test("ChatML renders as the model expects")
    func chatML() throws {
        let template = try ChatTemplate(Self.smolTemplate)
        let text = try template.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test("loops, namespaces, macros, filters and slices behave as in Jinja2")
    func language() throws {
        let source = """
        {%- set ns = namespace(n=0) -%}
        {%- macro tag(x, y='!') -%}[{{ x | upper }}{{ y }}]{%- endmacro -%}
        {%- for m in messages if m.role != 'system' -%}
        {%- set ns.n = ns.n + 1 -%}{{ loop.index }}:{{ tag(m.content) }}{{ ',' if not loop.last }}
        {%- endfor -%}
        |{{ ns.n }}|{{ messages | length }}|{{ messages[-1]['content'][::-1] }}|{{ [3, 1, 2] | sort | join('-') }}
        |{{ 'a b  c'.split() | tojson }}|{{ {'k': 'v'} | tojson }}|{{ 7 // 2 }}|{{ 'x' ~ 1 }}|{{ none is none }}
        """
        let text = try ChatTemplate(source).render([ChatMessage(role: "system", content: "s"), ChatMessage(role: "user", content: "ab"),
                                                    ChatMessage(role: "assistant", content: "cd")], addGenerationPrompt: false)
        #expect(text == "1:[AB!],2:[CD!]|2|3|dc|1-2-3\n|[\"a\", \"b\", \"c\"]|{\"k\": \"v\"}|3|x1|True")
    }

    @Test("set blocks and filter blocks capture their output")
    func blocks() throws {
        let text = try ChatTemplate("<{% set x | trim %}  ab  {% endset %}{{ x | upper }}|{% filter upper %}cd{% endfilter %}>")
            .render([], addGenerationPrompt: false)
        #expect(text == "<AB|CD>")
    }

    @Test("the sandbox refuses escapes instead of evaluating them", arguments: [
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ messages['__class__'] }}",
        "{{ lipsum() }}",
        "{% include 'x' %}",
        "{% for i in range(1000000) %}{% endfor %}",
        "{{ 'a' * 100000000 }}",
    ])
    func sandbox(source: String) throws {
        #expect(throws: EngineError.self) {
            _ = try ChatTemplate(source).render([ChatMessage(role: "user", content: "x")], addGenerationPrompt: true)
        }
    }

    @Test("break and continue outside a loop are template errors, as Jinja2 compiles them, never an internal error",
          arguments: ["{% break %}", "{% if x %}{% continue %}{% endif %}", "{% for i in [1] %}{% else %}{% break %}{% endfor %}",
                      "{% for i in [1] %}{% macro m() %}{% break %}{% endmacro %}{% endfor %}"])
    func loopControlOutsideLoop(source: String) {
        do {
            _ = try ChatTemplate(source)
            Issue.record("\(source) parsed")
        } catch let error as EngineError {
            #expect(error.kind == .template && error.message.contains("outside loop"), "\(error.message)")
        } catch {
            Issue.record("\(source): unexpected \(error)")
        }
    }

    @Test("break and continue inside loops still work")
    func loopControlInsideLoop() throws {
        let template = try ChatTemplate("{% for i in [1, 2, 3] %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% if i == 3 %}{% break %}{% endif %}{% endfor %}")
        #expect(try template.render([], addGenerationPrompt: false) == "13")
    }

    @Test("integer edge cases wrap or saturate instead of trapping")
    func integerEdges() throws {
        let source = "{{ -9223372036854775807 - 1 }}|{{ (-9223372036854775807 - 1) // -1 }}|{{ -7 // 2 }}|{{ -7 % 3 }}|{{ 7 % -3 }}|"
            + "{{ 1e300 | int }}|{{ 'nan' | int }}|{{ (-9223372036854775807 - 1) | abs }}|{{ range(9223372036854775800, 9223372036854775807, 5) | length }}"
        let text = try ChatTemplate(source).render([], addGenerationPrompt: false)
        #expect(text == "-9223372036854775808|-9223372036854775808|-4|2|-2|0|0|-9223372036854775808|2")
    }

    @Test("raise_exception surfaces the template's message")
    func raise() throws {
        let template = try ChatTemplate("{{ raise_exception('System role not supported') }}")
        do {
            _ = try template.render([], addGenerationPrompt: false)
            Issue.record("expected an error")
        } catch let error as EngineError {
            #expect(error.kind == .template)
            #expect(error.message.contains("System role not supported"))
        }
    }

    static let realDirectory = ModelCache.path("chat-templates")
    static let realTemplates = ((try? FileManager.default.contentsOfDirectory(atPath: realDirectory)) ?? []).filter { $0.hasSuffix(".jinja") }.sorted()

    @Test("real chat templates render a conversation in the sandbox",
          .enabled(if: !realTemplates.isEmpty, "chat templates absent: run Fixtures/fetch_chat_templates.py"))
    func realTemplatesRender() throws {
        let conversation = [ChatMessage(role: "user", content: "Hello"), ChatMessage(role: "assistant", content: "Hi there"),
                            ChatMessage(role: "user", content: "How are you?")]
        var rendered = 0
        var failures: [String] = []
        for name in Self.realTemplates {
            let source = try String(contentsOfFile: Self.realDirectory + "/" + name, encoding: .utf8)
            do {
                let text = try ChatTemplate(source).render(conversation, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
                #expect(text.contains("How are you?"), "\(name)")
                rendered += 1
            } catch let error as EngineError {
                failures.append("\(name): \(error.message)")
            }
        }
        // Every failure must be the template's own raise_exception (e.g. a model without a system role)
        // or a variable the template expects from its caller (tool lists, dates), never a missing
        // feature of the renderer.
        let unexpected = failures.filter { !$0.contains("the template raised an error") && !$0.contains("the caller did not provide") }
        #expect(unexpected.isEmpty, "\(unexpected.joined(separator: "\n"))")
        #expect(rendered * 10 >= Self.realTemplates.count * 9, "rendered \(rendered) of \(Self.realTemplates.count)")
    }
}
