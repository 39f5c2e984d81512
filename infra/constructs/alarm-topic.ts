import { Aspects, Stack, type IAspect } from 'aws-cdk-lib';
import { Alarm, CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

export interface AlarmTopicProps {
  /** Subscribe this address (it must confirm the subscription email). */
  email?: string;
  /** Send to this existing topic instead of creating one (e.g. one your on-call tool already reads). */
  existingTopicArn?: string;
}

/**
 * Where every alarm goes: a topic (KMS-encrypted, TLS only) with an optional
 * email subscription, or an existing topic. An aspect wires every alarm of
 * the stack to it, so an alarm another construct adds later cannot be
 * forgotten.
 */
export class AlarmTopic extends Construct {
  readonly topic: ITopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.existingTopicArn) {
      this.topic = Topic.fromTopicArn(this, 'Existing', props.existingTopicArn);
    } else {
      // CloudWatch cannot publish to a topic under the AWS-managed SNS key: a key of our own lets it.
      const key = new Key(this, 'Key', { enableKeyRotation: true, description: 'orgbridge alarm notifications' });
      key.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
      const topic = new Topic(this, 'Topic', { displayName: 'orgbridge alarms', masterKey: key, enforceSSL: true });
      if (props.email) topic.addSubscription(new EmailSubscription(props.email));
      this.topic = topic;
    }
    Aspects.of(Stack.of(this)).add(new NotifyOnEveryAlarm(this.topic));
  }
}

class NotifyOnEveryAlarm implements IAspect {
  private readonly wired = new WeakSet<IConstruct>();

  constructor(private readonly topic: ITopic) {}

  visit(node: IConstruct): void {
    if (this.wired.has(node)) return;
    if (node instanceof Alarm) {
      this.wired.add(node);
      node.addAlarmAction(new SnsAction(this.topic));
      node.addOkAction(new SnsAction(this.topic));
    } else if (node instanceof CfnAlarm && !(node.node.scope instanceof Alarm)) {
      // An alarm built without the L2 construct: set its actions directly.
      this.wired.add(node);
      node.alarmActions = [this.topic.topicArn];
      node.okActions = [this.topic.topicArn];
    }
  }
}
