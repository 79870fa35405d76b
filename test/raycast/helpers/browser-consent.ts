// What the user does in the browser during sign-in, done over plain HTTP
// against the real server (the server's own pages; its own tests drive a real
// browser): development sign-in with a username, then "Authorize Raycast".
// Returns what Raycast's redirect hands the extension: the code.

function cookieOf(response: Response): string {
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]!);
  if (cookies.length === 0) throw new Error(`no cookie from ${response.url} (${response.status})`);
  return cookies.join("; ");
}

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1]!] = match[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  }
  return fields;
}

export async function consentOverHttp(
  authorizeUrl: string,
  username: string,
  expectedState: string,
): Promise<{ authorizationCode: string; cookie: string }> {
  const authorize = new URL(authorizeUrl);
  const origin = authorize.origin;
  const signIn = await fetch(new URL("/auth/dev-login", origin), {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin },
    body: new URLSearchParams({ username, next: `${authorize.pathname}${authorize.search}` }).toString(),
  });
  const cookie = cookieOf(signIn);
  const page = await fetch(authorize, { headers: { Cookie: cookie } });
  const html = await page.text();
  if (!page.ok || !html.includes("Authorize Raycast"))
    throw new Error(`no consent page (${page.status}): ${html.slice(0, 300)}`);
  const decision = await fetch(new URL("/oauth/authorize", origin), {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin, Cookie: cookie },
    body: new URLSearchParams({ ...hiddenFields(html), decision: "allow" }).toString(),
  });
  const location = decision.headers.get("Location");
  if (!location)
    throw new Error(`no redirect after consent (${decision.status}): ${(await decision.text()).slice(0, 300)}`);
  const redirect = new URL(location);
  if (redirect.searchParams.get("state") !== expectedState) throw new Error("the state did not come back unchanged");
  const code = redirect.searchParams.get("code");
  if (!code) throw new Error(`no code in the redirect: ${location}`);
  return { authorizationCode: code, cookie };
}

/** The user presses "Unlink" on the server's desktop link page (session and CSRF token as the page sends them). */
export async function unlinkOverHttp(origin: string, cookie: string): Promise<void> {
  const page = await fetch(new URL("/desktop/link", origin), { headers: { Cookie: cookie } });
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())?.[1];
  if (!csrf) throw new Error(`no CSRF token on the link page (${page.status})`);
  const response = await fetch(new URL("/api/desktop/unlink", origin), {
    method: "POST",
    headers: { Cookie: cookie, Origin: origin, "X-CSRF-Token": csrf },
  });
  if (!response.ok) throw new Error(`unlink failed: ${response.status} ${await response.text()}`);
}
