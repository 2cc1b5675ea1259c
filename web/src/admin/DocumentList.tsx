import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useId, useState } from 'react';
import { DELETE_DOCUMENT, DOCUMENTS, type DocumentRow } from './api';
import { ConfirmDialog } from './ConfirmDialog';
import { DocumentUpload } from './DocumentUpload';
import { problemsOf } from './errors';
import { humanSize } from './fileCheck';
import { formatDate } from './format';
import { Thumb } from './Thumb';

const PAGE = 50;

/** DocumentList is the documents page: add one, then the list, newest first, with downloads. */
export function DocumentList() {
  const client = useApolloClient();
  const uid = useId();
  const [cursors, setCursors] = useState<(string | null)[]>([null]); // the "after" of each page seen
  const after = cursors[cursors.length - 1];
  const { data, previousData, error } = useQuery(DOCUMENTS, { variables: { first: PAGE, after } });
  const shown = (data ?? previousData)?.documents;
  const rows = shown?.edges?.map((e) => e.node) ?? [];
  const [deleting, setDeleting] = useState<DocumentRow | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [remove, removed] = useMutation(DELETE_DOCUMENT);
  const from = (cursors.length - 1) * PAGE + 1;

  const doDelete = async () => {
    if (!deleting) return;
    try {
      await remove({ variables: { id: deleting.id } });
      client.cache.evict({ id: client.cache.identify({ __typename: 'Document', id: deleting.id }) });
      client.cache.gc();
      await client.refetchQueries({ include: [DOCUMENTS] });
    } catch (err) {
      setProblem(`The document could not be deleted: ${problemsOf(err)[0]?.message}`);
    }
    setDeleting(null);
  };

  return (
    <>
      <div className="page-head">
        <h1 id={`${uid}-h`}>Documents</h1>
      </div>
      <DocumentUpload />
      {(error || problem) && (
        <p className="alert" role="alert">
          {problem ?? `The documents could not be loaded: ${problemsOf(error)[0]?.message}`}
        </p>
      )}
      <div className="table-wrap">
        <table className="products documents">
          <caption className="visually-hidden">Documents, newest first</caption>
          <thead>
            <tr>
              <th scope="col" className="col-thumb">
                <span className="visually-hidden">Image</span>
              </th>
              <th scope="col">Title</th>
              <th scope="col">File</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td className="col-thumb">
                  <Thumb thumb={d.image?.thumb} placeholder={d.image?.placeholder} />
                </td>
                <td className="doc-title">{d.title}</td>
                <td>
                  <a href={d.file.url} download={d.file.name} aria-label={`Download ${d.file.name}`}>
                    {d.file.name}
                  </a>
                  <span className="muted small block">{d.file.contentType.split(';')[0]}</span>
                </td>
                <td className="num">{humanSize(d.file.size)}</td>
                <td className="muted">{formatDate(d.createdAt)}</td>
                <td>
                  <button type="button" className="button small danger" onClick={() => setDeleting(d)} aria-label={`Delete ${d.title}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {shown && rows.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No documents yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Pages">
        <p className="muted" aria-live="polite">
          {!shown || shown.totalCount === 0 ? '0 documents' : `${from}–${from + rows.length - 1} of ${shown.totalCount} documents`}
        </p>
        <div className="pager-buttons">
          <button type="button" className="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous
          </button>
          <button
            type="button"
            className="button"
            disabled={!shown?.pageInfo.hasNextPage}
            onClick={() => shown && setCursors((c) => [...c, shown.pageInfo.endCursor])}
          >
            Next
          </button>
        </div>
      </nav>
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.title}”?`}
          confirmLabel="Delete"
          busy={removed.loading}
          onConfirm={doDelete}
          onCancel={() => setDeleting(null)}
        >
          <p>Its file{deleting.image ? ' and its image go' : ' goes'} with it. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
