import { create } from 'xmlbuilder2';

type XMLBuilder = ReturnType<typeof create>;

/**
 * An element: its name, either its text or its children in document order (absent ones, null, are
 * left out), and its attributes if any.
 */
export type XmlNode = readonly [name: string, content: string | readonly (XmlNode | null)[], attributes?: Readonly<Record<string, string>>];

function append(parent: XMLBuilder, namespace: string | null, [name, content, attributes]: XmlNode): void {
  const element = parent.ele(namespace, name, attributes ?? {});
  if (typeof content === 'string') {
    element.txt(content);
    return;
  }
  for (const child of content) if (child !== null) append(element, namespace, child);
}

/** The document of `root`, every element in `namespace` (null: none), UTF-8, indented. */
export function xmlDocument(namespace: string | null, root: XmlNode): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  append(doc, namespace, root);
  return doc.end({ prettyPrint: true });
}
