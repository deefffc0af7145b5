import { useEffect } from 'react';
import { dismissAllNotices, dismissNotice, navigate, reportShown, useApp } from '../store';

/** In-page notifications (headless mode's desktop channel). */
export function Notices() {
  const notices = useApp((s) => s.notices);
  // After the notices are on the page (effects run after the commit): only then are they shown.
  useEffect(() => reportShown(notices.map((n) => n.id)), [notices]);
  if (notices.length === 0) return null;
  return (
    <aside className="notices" aria-live="polite" aria-label="Notifications">
      {notices.length > 2 && (
        <button className="dismiss-all" onClick={dismissAllNotices}>
          Dismiss all {notices.length}
        </button>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`notice sev-${n.severity}`}>
          <button className="link" onClick={() => n.eventId && navigate('events', n.eventId)} aria-label={`Open ${n.title}`}>
            <strong>{n.title}</strong>
            <span>{n.body}</span>
          </button>
          <button className="close" aria-label="Dismiss notification" onClick={() => dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </aside>
  );
}
