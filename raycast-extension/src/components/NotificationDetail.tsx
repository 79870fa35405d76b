import { Color, Detail, Icon, useNavigation } from "@raycast/api";
import { usePromise } from "@raycast/utils";
import { useEffect, useState } from "react";
import type { Inbox } from "../hooks/useInbox";
import { detailMarkdown, relativeTime, scriptFileName } from "../lib/format";
import type { InboxNotification } from "../lib/wire";
import { resolveImage } from "../actions/images";
import { NotificationActions } from "./NotificationActions";

/**
 * The full notification: message as Markdown, the chart, script and time.
 * Opening it marks it read. A pushed view keeps the props it was pushed
 * with, so it tracks its own read state and leaves when deleted.
 */
export function NotificationDetail({ inbox, notification }: { inbox: Inbox; notification: InboxNotification }) {
  const { pop } = useNavigation();
  const [read, setRead] = useState(notification.read);
  const current = { ...notification, read };
  const image = usePromise(
    (imageUrl: string | undefined) =>
      imageUrl ? resolveImage(inbox.session.client, imageUrl) : Promise.resolve(undefined),
    [notification.image_url],
    { failureToastOptions: { title: "Failed to load the chart" } },
  );
  const tracked: Inbox = {
    ...inbox,
    markAsRead: async (item) => {
      const ok = await inbox.markAsRead(item);
      if (ok) setRead(true);
      return ok;
    },
    markAsUnread: async (item) => {
      const ok = await inbox.markAsUnread(item);
      if (ok) setRead(false);
      return ok;
    },
    deleteNotification: async (item) => {
      const ok = await inbox.deleteNotification(item);
      if (ok) pop();
      return ok;
    },
  };
  useEffect(() => {
    if (!notification.read) void tracked.markAsRead(notification);
  }, [notification.id]);
  const markdown = image.error
    ? detailMarkdown({ ...current, image_url: undefined })
    : detailMarkdown(current, image.data);
  return (
    <Detail
      navigationTitle={notification.title}
      isLoading={image.isLoading}
      markdown={markdown}
      metadata={
        <Detail.Metadata>
          <Detail.Metadata.Label title="Received" text={relativeTime(notification.timestamp)} />
          <Detail.Metadata.Label title="Time (UTC)" text={notification.timestamp} />
          {notification.script ? (
            <Detail.Metadata.Label title="Script" text={scriptFileName(notification.script)} icon={Icon.Code} />
          ) : null}
          <Detail.Metadata.TagList title="Status">
            <Detail.Metadata.TagList.Item
              text={read ? "Read" : "Unread"}
              color={read ? Color.SecondaryText : Color.Blue}
            />
          </Detail.Metadata.TagList>
          {image.data ? <Detail.Metadata.Link title="Chart" target={image.data} text="Open image" /> : null}
        </Detail.Metadata>
      }
      actions={<NotificationActions inbox={tracked} notification={current} />}
    />
  );
}
