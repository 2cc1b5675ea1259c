import { humanSize } from './fileCheck';
import { percent, type UploadItem } from './uploadQueue';
import type { ImageUploads } from './useImageUploads';

function statusText(item: UploadItem): string {
  const s = item.status;
  switch (s.kind) {
    case 'checking':
      return 'Checking…';
    case 'queued':
      return 'Waiting…';
    case 'sending':
      return `${percent(s)} % · ${humanSize(s.loaded)} of ${humanSize(s.total)}`;
    case 'done':
      return 'Uploaded · 100 %';
    case 'cancelled':
      return 'Cancelled';
    case 'refused':
    case 'failed':
      return s.message;
  }
}

/** UploadList shows each file being added: its progress, its refusal, and what can be done about it. */
export function UploadList({ uploads }: { uploads: ImageUploads }) {
  if (uploads.items.length === 0) return null;
  const finished = uploads.items.some((i) => ['done', 'refused', 'cancelled'].includes(i.status.kind));
  return (
    <div className="uploads">
      <ul className="upload-list" aria-label="Files being added">
        {uploads.items.map((item) => {
          const s = item.status;
          const bad = s.kind === 'refused' || s.kind === 'failed';
          return (
            <li key={item.id} className={`upload upload-${s.kind}`} data-state={s.kind}>
              <div className="upload-head">
                <span className="upload-name">{item.name}</span>
                <span className="muted small">{humanSize(item.size)}</span>
              </div>
              <div
                className="bar"
                role="progressbar"
                aria-label={`Upload of ${item.name}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent(s)}
              >
                <span className="bar-fill" style={{ transform: `scaleX(${percent(s) / 100})` }} />
              </div>
              <div className="upload-foot">
                <span className={bad ? 'field-error' : 'muted small'} aria-live="polite">
                  {bad && <span className="code">{s.code}</span>} {statusText(item)}
                  {s.kind === 'refused' && ' (not sent)'}
                </span>
                <span className="upload-actions">
                  {(s.kind === 'sending' || s.kind === 'queued') && (
                    <button type="button" className="button small" onClick={() => uploads.cancel(item.id)} aria-label={`Cancel ${item.name}`}>
                      Cancel
                    </button>
                  )}
                  {(s.kind === 'failed' || s.kind === 'cancelled') && (
                    <button type="button" className="button small" onClick={() => uploads.retry(item.id)} aria-label={`Retry ${item.name}`}>
                      Retry
                    </button>
                  )}
                  {s.kind !== 'sending' && s.kind !== 'done' && (
                    <button type="button" className="button small quiet" onClick={() => uploads.remove(item.id)} aria-label={`Dismiss ${item.name}`}>
                      Dismiss
                    </button>
                  )}
                </span>
              </div>
            </li>
          );
        })}
      </ul>
      {finished && (
        <button type="button" className="button small quiet" onClick={uploads.clearFinished}>
          Clear finished
        </button>
      )}
    </div>
  );
}
