import { Action, Color, Icon, List } from "@raycast/api";
import type { Inbox } from "../hooks/useInbox";
import { preview, relativeTime, scriptFileName } from "../lib/format";
import type { InboxNotification } from "../lib/wire";
import { NotificationActions } from "./NotificationActions";
import { NotificationDetail } from "./NotificationDetail";

/** One row: unread marked by a dot and a tag, the script and chart as icons, the time. */
export function NotificationListItem({ inbox, notification }: { inbox: Inbox; notification: InboxNotification }) {
  const accessories: List.Item.Accessory[] = [];
  if (!notification.read) accessories.push({ tag: { value: "Unread", color: Color.Blue }, tooltip: "Unread" });
  if (notification.script) {
    accessories.push({ icon: Icon.Code, tooltip: `Script: ${scriptFileName(notification.script)}` });
  }
  if (notification.image_url) accessories.push({ icon: Icon.Image, tooltip: "Has a chart" });
  accessories.push({ text: relativeTime(notification.timestamp), tooltip: notification.timestamp });
  return (
    <List.Item
      id={notification.id}
      title={notification.title}
      subtitle={preview(notification.message)}
      keywords={[notification.script ?? "", ...notification.message.split(/\s+/).slice(0, 50)].filter(Boolean)}
      icon={
        notification.read
          ? { source: Icon.Bell, tintColor: Color.SecondaryText }
          : { source: Icon.Bell, tintColor: Color.Blue }
      }
      accessories={accessories}
      actions={
        <NotificationActions
          inbox={inbox}
          notification={notification}
          primary={
            <Action.Push
              title="Show Details"
              icon={Icon.Sidebar}
              target={<NotificationDetail inbox={inbox} notification={notification} />}
            />
          }
        />
      }
    />
  );
}
