import { usePromise } from "@raycast/utils";
import { useMemo } from "react";
import { getSession } from "../api/session";

/** The configured server, this Mac's sign-in for it, and whose inbox that is (null: signed out). */
export function useInboxSession() {
  const session = useMemo(getSession, []);
  const who = usePromise(async () => (await session.username()) ?? null, []);
  return { session, username: who.data, isLoading: who.isLoading, revalidate: who.revalidate };
}
