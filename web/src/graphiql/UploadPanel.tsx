import { Button, useGraphiQL, useGraphiQLActions, useOperationsEditorState } from '@graphiql/react';
import { useMemo, useSyncExternalStore } from 'react';
import { uploadSlotsOf } from '../lib/upload';
import type { FileStore } from './fileStore';
import { FileSlot } from './FileSlot';

const EXAMPLE = `mutation AddImage($id: ID!, $image: Upload!) {
  addProductImage(productID: $id, image: $image) {
    id
    image { url width height }
  }
}`;

/** UploadPanel lists the file slots of the current operation, each with a file picker. */
export function UploadPanel({ files }: { files: FileStore }) {
  const [query] = useOperationsEditorState();
  const operationName = useGraphiQL((s) => s.operationName);
  const schema = useGraphiQL((s) => s.schema);
  const isFetching = useGraphiQL((s) => s.isFetching);
  const { run } = useGraphiQLActions();
  const picked = useSyncExternalStore(files.subscribe, files.get);
  // GraphiQL updates the operation name a moment after the text: until then, a name that the
  // document no longer has stands for its only operation.
  const slots = useMemo(() => {
    const named = uploadSlotsOf(query, operationName, schema);
    return named.length > 0 || !operationName ? named : uploadSlotsOf(query, null, schema);
  }, [query, operationName, schema]);
  const count = slots.reduce((n, s) => n + (picked.get(s.path)?.files.length ?? 0), 0);

  return (
    <section className="mg-upload" aria-labelledby="mg-upload-title">
      <h2 id="mg-upload-title" className="graphiql-doc-explorer-title">Files</h2>
      {slots.length === 0 ? (
        <>
          <p>The current operation has no Upload variable. Declare one, for example:</p>
          <pre className="mg-example">{EXAMPLE}</pre>
        </>
      ) : (
        <>
          <p>Pick files for the Upload variables, then run: the operation goes out as a multipart request.</p>
          <ul className="mg-slots">
            {slots.map((slot) => (
              <li key={slot.path}>
                <FileSlot slot={slot} picked={picked.get(slot.path)?.files ?? []} files={files} />
              </li>
            ))}
          </ul>
          <Button type="button" className="mg-run" disabled={count === 0 || isFetching} onClick={() => run()}>
            {count === 0 ? 'Run with files' : `Run with ${count} file${count === 1 ? '' : 's'}`}
          </Button>
        </>
      )}
    </section>
  );
}
