import { Button } from '@graphiql/react';
import { useId, useState } from 'react';
import type { UploadSlot } from '../lib/upload';
import type { FileStore } from './fileStore';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** FileSlot is one Upload variable (or input field) with its file picker and picked files. */
export function FileSlot({ slot, picked, files }: { slot: UploadSlot; picked: readonly File[]; files: FileStore }) {
  const id = useId();
  const [generation, setGeneration] = useState(0); // a new <input> after Clear: a file input cannot be emptied
  return (
    <div className="mg-slot">
      <label htmlFor={id}>
        <code>${slot.path}</code> <span className="mg-type">{slot.type}</span>
      </label>
      <input
        key={generation}
        id={id}
        type="file"
        multiple={slot.multiple}
        onChange={(e) => files.pick(slot.path, [...(e.target.files ?? [])], slot.multiple)}
      />
      {picked.length > 0 && (
        <>
          <ul className="mg-picked" aria-label={`Files for $${slot.path}`}>
            {picked.map((f, i) => (
              <li key={`${i}:${f.name}`}>
                {f.name} <span className="mg-type">({size(f.size)})</span>
              </li>
            ))}
          </ul>
          <Button
            type="button"
            onClick={() => {
              files.clear(slot.path);
              setGeneration((g) => g + 1);
            }}
          >
            Clear <span className="mg-visually-hidden">${slot.path}</span>
          </Button>
        </>
      )}
    </div>
  );
}
