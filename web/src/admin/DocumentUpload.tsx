import { useApolloClient, useQuery } from '@apollo/client/react';
import { useId, useRef, useState, type FormEvent } from 'react';
import { CREATE_DOCUMENT, DOCUMENTS, UPLOAD_RULES } from './api';
import { byField, isAbort, problemsOf, type Problem } from './errors';
import { checkDocumentFile, checkImageFile, formatBytes, humanSize, type Refusal } from './fileCheck';

type Sending = { loaded: number; total: number } | null;

const decode = (file: Blob) => createImageBitmap(file);

/**
 * DocumentUpload adds a document: a title, a file and an optional image, checked in the page
 * against uploadRules ("Document.file", "Document.image"), then sent as one createDocument
 * request with its progress; it can be cancelled.
 */
export function DocumentUpload() {
  const client = useApolloClient();
  const uid = useId();
  const { data: rules } = useQuery(UPLOAD_RULES, { fetchPolicy: 'cache-first' });
  const fileRule = rules?.uploadRules.find((r) => r.target === 'Document.file');
  const imageRule = rules?.uploadRules.find((r) => r.target === 'Document.image');
  const [title, setTitle] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [image, setImage] = useState<File | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [sending, setSending] = useState<Sending>(null);
  const [status, setStatus] = useState('');
  const controller = useRef<AbortController | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const { fields, rest } = byField(problems, 'input.', ['title', 'file', 'image']);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setStatus('');
    const local: Problem[] = [];
    if (!title.trim()) local.push({ code: 'REQUIRED', message: 'Give the document a title.', field: 'input.title' });
    if (!file) local.push({ code: 'REQUIRED', message: 'Choose a PDF, DOCX or TXT file.', field: 'input.file' });
    const refusal = (r: Refusal | null, field: string) => r && local.push({ ...r, field });
    if (file && fileRule) refusal(await checkDocumentFile(fileRule, file), 'input.file');
    if (image && imageRule) refusal(await checkImageFile(imageRule, image, decode), 'input.image');
    setProblems(local);
    if (local.length > 0 || !file) return;
    const c = new AbortController();
    controller.current = c;
    setSending({ loaded: 0, total: file.size + (image?.size ?? 0) });
    try {
      await client.mutate({
        mutation: CREATE_DOCUMENT,
        variables: { input: { title: title.trim(), file, image } },
        context: { fetchOptions: { signal: c.signal, onUploadProgress: (loaded: number, total: number) => setSending({ loaded, total }) } },
      });
      await client.refetchQueries({ include: [DOCUMENTS] });
      setStatus(`“${title.trim()}” added.`);
      setTitle('');
      setFile(null);
      setImage(null);
      form.current?.reset();
    } catch (err) {
      if (c.signal.aborted || isAbort(err)) setStatus('Upload cancelled.');
      else setProblems(problemsOf(err));
    } finally {
      controller.current = null;
      setSending(null);
    }
  };

  const pct = sending && sending.total > 0 ? Math.floor((sending.loaded / sending.total) * 100) : 0;
  const err = (name: 'title' | 'file' | 'image') =>
    fields[name] && (
      <p className="field-error" id={`${uid}-${name}-err`}>
        <span className="code">{fields[name].code}</span> {fields[name].message}
      </p>
    );
  const describe = (name: 'title' | 'file' | 'image', hint?: boolean) =>
    [hint && `${uid}-${name}-hint`, fields[name] && `${uid}-${name}-err`].filter(Boolean).join(' ') || undefined;

  return (
    <section className="panel" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Add a document</h2>
      <form ref={form} onSubmit={submit} noValidate className="document-form">
        <div className="field">
          <label htmlFor={`${uid}-title`}>Title</label>
          <input
            id={`${uid}-title`}
            type="text"
            maxLength={100}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            aria-invalid={fields.title ? true : undefined}
            aria-describedby={describe('title')}
          />
          {err('title')}
        </div>
        <div className="field">
          <label htmlFor={`${uid}-file`}>File</label>
          <input
            id={`${uid}-file`}
            type="file"
            accept={fileRule ? fileRule.extensions.map((x) => `.${x}`).join(',') : '.pdf,.docx,.txt'}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            aria-invalid={fields.file ? true : undefined}
            aria-describedby={describe('file', true)}
          />
          <p className="hint" id={`${uid}-file-hint`}>
            PDF, DOCX or TXT{fileRule && `, at most ${formatBytes(fileRule.maxBytes)}`}.
          </p>
          {err('file')}
        </div>
        <div className="field">
          <label htmlFor={`${uid}-image`}>Image (optional)</label>
          <input
            id={`${uid}-image`}
            type="file"
            accept={imageRule?.contentTypes.join(',') ?? 'image/*'}
            onChange={(e) => setImage(e.target.files?.[0] ?? null)}
            aria-invalid={fields.image ? true : undefined}
            aria-describedby={describe('image', true)}
          />
          <p className="hint" id={`${uid}-image-hint`}>
            JPEG, PNG, GIF or WebP{imageRule && `, at most ${formatBytes(imageRule.maxBytes)}`}.
          </p>
          {err('image')}
        </div>
        {rest.length > 0 && (
          <div className="alert" role="alert">
            {rest.map((p, i) => (
              <p key={i}>
                <span className="code">{p.code}</span> {p.message}
              </p>
            ))}
          </div>
        )}
        <div className="form-buttons">
          <button type="submit" className="button primary" disabled={!!sending}>
            Upload document
          </button>
          {sending && (
            <button type="button" className="button" onClick={() => controller.current?.abort()}>
              Cancel
            </button>
          )}
          <span className="status" role="status">
            {status}
          </span>
        </div>
        {sending && (
          <div className="upload">
            <div className="bar" role="progressbar" aria-label="Upload of the document" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
              <span className="bar-fill" style={{ transform: `scaleX(${pct / 100})` }} />
            </div>
            <span className="muted small">
              {pct} % · {humanSize(sending.loaded)} of {humanSize(sending.total)}
            </span>
          </div>
        )}
      </form>
    </section>
  );
}
