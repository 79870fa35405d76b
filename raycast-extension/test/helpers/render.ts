import { act, create, type ReactTestInstance, type ReactTestRenderer } from "react-test-renderer";
import type { ReactElement } from "react";

// Renders with react-test-renderer and reads the tree the @raycast/api double
// produced: host elements named "List.Item", "Action", … with their props.

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// Quiet, expected noise only: React 19 deprecates react-test-renderer (still
// the renderer that exposes host elements), live socket frames update state
// between act() turns, and React logs errors an error boundary handled.
const EXPECTED_NOISE = [/^react-test-renderer is deprecated/, /was not wrapped in act/];
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  if (typeof args[0] === "string" && EXPECTED_NOISE.some((pattern) => pattern.test(args[0] as string))) return;
  if (args.some((arg) => arg instanceof Error && arg.name === "AuthRequiredError")) return;
  consoleError(...args);
};

export interface Rendered {
  renderer: ReactTestRenderer;
  /** Every element of a Raycast component type, e.g. "List.Item". */
  all(type: string): ReactTestInstance[];
  /** The first action (or menu-bar item) titled `title` under `within` (or anywhere); throws naming the titles there are. */
  action(title: string, within?: ReactTestInstance): ReactTestInstance;
  unmount(): Promise<void>;
}

/** Actions of panels and the menu bar's items: what a user can trigger. */
function isAction(node: ReactTestInstance): boolean {
  const type = String(node.type);
  return typeof node.type === "string" && (type.startsWith("Action") || type === "MenuBarExtra.Item");
}

export async function render(element: ReactElement): Promise<Rendered> {
  let renderer!: ReactTestRenderer;
  await act(async () => {
    renderer = create(element);
  });
  const all = (type: string) => renderer.root.findAll((node) => node.type === type);
  return {
    renderer,
    all,
    action(title, within) {
      const actions = (within ?? renderer.root).findAll((node) => isAction(node) && node.props.title === title);
      if (actions.length === 0) {
        const titles = (within ?? renderer.root)
          .findAll((node) => isAction(node) && !!node.props.title)
          .map((node) => node.props.title as string);
        throw new Error(`no action "${title}"; actions: ${titles.join(", ")}`);
      }
      return actions[0]!;
    },
    unmount: () => act(async () => renderer.unmount()),
  };
}

/** Runs an action's handler inside act and lets its promises settle. */
export async function press(action: ReactTestInstance): Promise<void> {
  await act(async () => {
    await (action.props.onAction as () => unknown)();
  });
}

/** Lets React and the network work until `check` passes or `timeoutMs` ends (then rethrows its last error). */
export async function waitFor<T>(check: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 25));
    });
  }
}
