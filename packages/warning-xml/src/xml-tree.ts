import { create } from 'xmlbuilder2';

type XMLBuilder = ReturnType<typeof create>;

/** An element: its name and either its text or its children, in document order; absent ones are left out. */
export type XmlNode = readonly [name: string, content: string | readonly (XmlNode | null)[]];

function append(parent: XMLBuilder, namespace: string | null, [name, content]: XmlNode): void {
  const element = parent.ele(namespace, name);
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
