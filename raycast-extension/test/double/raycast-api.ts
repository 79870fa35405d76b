// The test double of @raycast/api (the one accepted double: Raycast itself
// cannot run here). Components render host elements named after the Raycast
// component ("List.Item", "Action") with their props, and render props that
// hold elements (actions, metadata, accessories' actions) as children, so
// react-test-renderer's tree shows titles, accessories and actions. Every
// side effect (toasts, launches, opened URLs, navigation) is recorded in
// `raycast` for assertions; storage is in memory.
import { createElement, Fragment, type ReactNode } from "react";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Props = Record<string, unknown> & { children?: ReactNode };

function host(name: string, elementProps: string[] = []) {
  const component = (props: Props) => {
    const { children, ...rest } = props;
    const extra = elementProps.map((key) => rest[key] as ReactNode).filter((value) => value != null);
    return createElement(name, rest, ...extra, children);
  };
  component.displayName = name;
  return component;
}

// --- Recorded side effects --------------------------------------------------

export interface RecordedToast {
  style: string;
  title: string;
  message?: string;
}

export const raycast = {
  preferences: {} as Record<string, unknown>,
  toasts: [] as RecordedToast[],
  launches: [] as unknown[],
  opened: [] as string[],
  pushed: [] as ReactNode[],
  pops: 0,
  clipboard: [] as string[],
  confirm: true,
  launchCommandError: undefined as Error | undefined,
  /** What OAuth.PKCEClient.authorize answers (the browser and the user); tests set it. */
  authorize: async (request: { url: string; state: string }): Promise<{ authorizationCode: string }> => {
    throw new Error(`no authorization configured in this test (asked for ${request.url})`);
  },
  environment: {
    launchType: "userInitiated" as string,
    commandName: "inbox",
    extensionName: "analyst-notifications",
    supportPath: mkdtempSync(join(tmpdir(), "raycast-support-")),
    assetsPath: "assets",
    isDevelopment: true,
    raycastVersion: "1.104.0",
    theme: "light",
    textSize: "medium",
    appearance: "light",
    canAccess: () => true,
  },
  reset() {
    this.preferences = {};
    this.toasts = [];
    this.launches = [];
    this.opened = [];
    this.pushed = [];
    this.pops = 0;
    this.clipboard = [];
    this.confirm = true;
    this.launchCommandError = undefined;
    this.environment.launchType = "userInitiated";
    localItems.clear();
    cacheStore.clear();
    tokenSets.clear();
  },
};

export const environment = raycast.environment;

// --- Enums and constants ------------------------------------------------------

export const LaunchType = { UserInitiated: "userInitiated", Background: "background" } as const;
export const Color = new Proxy({} as Record<string, string>, { get: (_target, name) => String(name) });
export const Icon = new Proxy({} as Record<string, string>, { get: (_target, name) => String(name) });
export const Keyboard = {
  Shortcut: {
    Common: {
      Copy: { modifiers: ["cmd", "shift"], key: "c" },
      Open: { modifiers: ["cmd"], key: "o" },
      Refresh: { modifiers: ["cmd"], key: "r" },
      Remove: { modifiers: ["ctrl"], key: "x" },
      RemoveAll: { modifiers: ["ctrl", "shift"], key: "x" },
      New: { modifiers: ["cmd"], key: "n" },
      Edit: { modifiers: ["cmd"], key: "e" },
    },
  },
};
export const Alert = { ActionStyle: { Default: "default", Destructive: "destructive", Cancel: "cancel" } };
export const Image = { Mask: { Circle: "circle", RoundedRectangle: "roundedRectangle" } };

// --- Toasts and side effects ----------------------------------------------------

export class Toast {
  static Style = { Animated: "animated", Success: "success", Failure: "failure" };
  private record: RecordedToast;
  constructor(options: RecordedToast) {
    this.record = { ...options };
    raycast.toasts.push(this.record);
  }
  get style() {
    return this.record.style;
  }
  set style(value: string) {
    this.record.style = value;
  }
  get title() {
    return this.record.title;
  }
  set title(value: string) {
    this.record.title = value;
  }
  get message() {
    return this.record.message;
  }
  set message(value: string | undefined) {
    this.record.message = value;
  }
  async show() {}
  async hide() {}
}

export async function showToast(options: RecordedToast | string, title?: string, message?: string): Promise<Toast> {
  if (typeof options === "string") return new Toast({ style: options, title: title ?? "", message });
  return new Toast({ ...options, style: options.style ?? Toast.Style.Success });
}
export async function showHUD(title: string) {
  raycast.toasts.push({ style: "hud", title });
}
export async function launchCommand(options: unknown) {
  raycast.launches.push(options);
  if (raycast.launchCommandError) throw raycast.launchCommandError;
}
export async function open(target: string) {
  raycast.opened.push(target);
}
export async function openExtensionPreferences() {
  raycast.opened.push("extension-preferences");
}
export async function confirmAlert() {
  return raycast.confirm;
}
export async function popToRoot() {}
export const Clipboard = {
  async copy(content: string | { text: string }) {
    raycast.clipboard.push(typeof content === "string" ? content : content.text);
  },
};
export function getPreferenceValues<T>(): T {
  return raycast.preferences as T;
}
export function useNavigation() {
  return {
    push: (element: ReactNode) => raycast.pushed.push(element),
    pop: () => (raycast.pops += 1),
  };
}

// --- Storage ------------------------------------------------------------------

const localItems = new Map<string, string | number | boolean>();
export const LocalStorage = {
  async getItem<T>(key: string): Promise<T | undefined> {
    return localItems.get(key) as T | undefined;
  },
  async setItem(key: string, value: string | number | boolean) {
    localItems.set(key, value);
  },
  async removeItem(key: string) {
    localItems.delete(key);
  },
  async allItems() {
    return Object.fromEntries(localItems);
  },
  async clear() {
    localItems.clear();
  },
};

const cacheStore = new Map<string, string>();
type CacheListener = (key: string | undefined, data: string | undefined) => void;
export class Cache {
  private listeners = new Set<CacheListener>();
  constructor(private readonly options: { namespace?: string } = {}) {}
  private key(key: string) {
    return `${this.options.namespace ?? ""}:${key}`;
  }
  get(key: string) {
    return cacheStore.get(this.key(key));
  }
  has(key: string) {
    return cacheStore.has(this.key(key));
  }
  set(key: string, data: string) {
    cacheStore.set(this.key(key), data);
    for (const listener of this.listeners) listener(key, data);
  }
  remove(key: string) {
    const existed = cacheStore.delete(this.key(key));
    for (const listener of this.listeners) listener(key, undefined);
    return existed;
  }
  clear() {
    for (const key of [...cacheStore.keys()])
      if (key.startsWith(`${this.options.namespace ?? ""}:`)) cacheStore.delete(key);
  }
  get isEmpty() {
    return cacheStore.size === 0;
  }
  // Raycast's utils pass it around unbound (useSyncExternalStore).
  subscribe = (listener: CacheListener) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
}

// --- OAuth ----------------------------------------------------------------------

interface TokenSetValue {
  accessToken: string;
  refreshToken?: string;
  expiresIn?: number;
  scope?: string;
  updatedAt: Date;
}
const tokenSets = new Map<string, TokenSetValue>();

export const OAuth = {
  RedirectMethod: { Web: "web", App: "app", AppURI: "appURI" },
  PKCEClient: class {
    readonly providerId: string;
    constructor(options: { providerId?: string; providerName: string }) {
      this.providerId = options.providerId ?? options.providerName;
    }
    /** As Raycast does it: a random verifier, its S256 challenge, a state, the web redirect. */
    async authorizationRequest(options: { endpoint: string; clientId: string; scope: string }) {
      const codeVerifier = randomBytes(32).toString("base64url");
      const codeChallenge = createHash("sha256").update(codeVerifier).digest("base64url");
      const state = randomBytes(16).toString("base64url");
      const redirectURI = "https://raycast.com/redirect?packageName=Extension";
      const url = new URL(options.endpoint);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: options.clientId,
        redirect_uri: redirectURI,
        scope: options.scope,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: "S256",
      }).toString();
      return { codeVerifier, codeChallenge, state, redirectURI, toURL: () => url.href };
    }
    async authorize(request: { toURL(): string; state: string }) {
      return raycast.authorize({ url: request.toURL(), state: request.state });
    }
    async setTokens(tokens: Record<string, unknown>) {
      const accessToken = (tokens.accessToken ?? tokens.access_token) as string;
      tokenSets.set(this.providerId, {
        accessToken,
        refreshToken: (tokens.refreshToken ?? tokens.refresh_token) as string | undefined,
        expiresIn: (tokens.expiresIn ?? tokens.expires_in) as number | undefined,
        scope: tokens.scope as string | undefined,
        updatedAt: new Date(),
      });
    }
    async getTokens() {
      const set = tokenSets.get(this.providerId);
      if (!set) return undefined;
      return {
        ...set,
        isExpired: () => set.expiresIn !== undefined && set.updatedAt.getTime() + set.expiresIn * 1000 < Date.now(),
      };
    }
    async removeTokens() {
      tokenSets.delete(this.providerId);
    }
  },
};
/** Every stored token set, by provider id (tests sign in by writing here through a client). */
export const storedTokenSets = tokenSets;

// --- Components ---------------------------------------------------------------------

const ListItem = Object.assign(host("List.Item", ["actions", "detail"]), {
  Detail: Object.assign(host("List.Item.Detail", ["metadata"]), { Metadata: host("List.Item.Detail.Metadata") }),
});
export const List = Object.assign(host("List", ["searchBarAccessory"]), {
  Item: ListItem,
  Section: host("List.Section"),
  EmptyView: host("List.EmptyView", ["actions"]),
  Dropdown: Object.assign(host("List.Dropdown"), {
    Item: host("List.Dropdown.Item"),
    Section: host("List.Dropdown.Section"),
  }),
});

const Metadata = Object.assign(host("Detail.Metadata"), {
  Label: host("Detail.Metadata.Label"),
  Link: host("Detail.Metadata.Link"),
  Separator: host("Detail.Metadata.Separator"),
  TagList: Object.assign(host("Detail.Metadata.TagList"), { Item: host("Detail.Metadata.TagList.Item") }),
});
export const Detail = Object.assign(host("Detail", ["metadata", "actions"]), { Metadata });

export const ActionPanel = Object.assign(host("ActionPanel"), {
  Section: host("ActionPanel.Section"),
  Submenu: host("ActionPanel.Submenu"),
});
export const Action = Object.assign(host("Action"), {
  Style: { Regular: "regular", Destructive: "destructive" },
  Push: host("Action.Push"),
  CopyToClipboard: host("Action.CopyToClipboard"),
  OpenInBrowser: host("Action.OpenInBrowser"),
  Open: host("Action.Open"),
  Paste: host("Action.Paste"),
  ShowInFinder: host("Action.ShowInFinder"),
});

export const MenuBarExtra = Object.assign(host("MenuBarExtra"), {
  Item: host("MenuBarExtra.Item"),
  Section: host("MenuBarExtra.Section"),
  Submenu: host("MenuBarExtra.Submenu"),
  Separator: host("MenuBarExtra.Separator"),
});

export const Form = Object.assign(host("Form", ["actions"]), {
  TextField: host("Form.TextField"),
  Description: host("Form.Description"),
});

export const AI = { ask: async () => "" };
export { Fragment };
