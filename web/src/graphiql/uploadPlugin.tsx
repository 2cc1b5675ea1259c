import type { GraphiQLPlugin } from '@graphiql/react';
import type { FileStore } from './fileStore';
import { UploadIcon } from './UploadIcon';
import { UploadPanel } from './UploadPanel';

/** The plugin's title: the sidebar button's label and the pane's heading. */
export const UPLOAD_PLUGIN_TITLE = 'Files';

/**
 * uploadPlugin is the GraphiQL plugin that picks files for the Upload variables of the current
 * operation; the playground fetcher then sends the operation as a multipart request.
 */
export function uploadPlugin(files: FileStore): GraphiQLPlugin {
  return {
    title: UPLOAD_PLUGIN_TITLE,
    icon: UploadIcon,
    content: function UploadPluginContent() {
      return <UploadPanel files={files} />;
    },
  };
}
